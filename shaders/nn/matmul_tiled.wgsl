// y[t, colOffset + n] = sum_k x[t, k] * w[n, k] (+ bias[n]); x [T, Kd], w [N, Kd] (HF Linear), y [T, Nout].
// Needs Kd % 4 == 0 (vec4 loads). w's element type comes from the prepended weights/*.wgsl (W4, w4()). Workgroup TX*TY threads computes a (4*TY) x (4*TX) tile of y
// with a 4x4 register tile per thread; K advances in steps of BK through workgroup memory,
// where both tiles are stored k-major as vec4 over rows so the inner loop is 2 loads + 4 vec4 FMAs.
override TX: u32 = 16;
override TY: u32 = 16;
const BK: u32 = 16u;
const BK4: u32 = BK / 4u;

struct Params { T: u32, N: u32, K4: u32, Nout: u32, colOffset: u32, hasBias: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> w: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// accumulate = 1: y += the result (the residual add fused into the projection that feeds it)
fn store(i: u32, v: f32) {
  if (params.accumulate != 0u) { y[i] = y[i] + v; } else { y[i] = v; }
}

// xs[k * TY + m4] holds rows 4*m4..4*m4+3 of the x tile at depth k; ws likewise for w.
var<workgroup> xs: array<vec4f, BK * TY>;
var<workgroup> ws: array<vec4f, BK * TX>;

@compute @workgroup_size(TX, TY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tx = lid3.x;
  let ty = lid3.y;
  let m0 = wid.y * TY * 4u;
  let n0 = wid.x * TX * 4u;
  let K4 = params.K4;
  var acc: array<vec4f, 4>;
  for (var k40 = 0u; k40 < K4; k40 += BK4) {
    // stage x tile: TY*4 rows x BK4 vec4s, transposed into xs
    for (var l = lid; l < TY * 4u * BK4; l += TX * TY) {
      let r = l / BK4;
      let kk = l % BK4;
      let row = m0 + r;
      var v = vec4f(0.0);
      if (row < params.T && k40 + kk < K4) { v = x[row * K4 + k40 + kk]; }
      let m4 = r / 4u;
      let mc = r % 4u;
      xs[(kk * 4u + 0u) * TY + m4][mc] = v.x;
      xs[(kk * 4u + 1u) * TY + m4][mc] = v.y;
      xs[(kk * 4u + 2u) * TY + m4][mc] = v.z;
      xs[(kk * 4u + 3u) * TY + m4][mc] = v.w;
    }
    for (var l = lid; l < TX * 4u * BK4; l += TX * TY) {
      let r = l / BK4;
      let kk = l % BK4;
      let col = n0 + r;
      var v = vec4f(0.0);
      if (col < params.N && k40 + kk < K4) { v = w4(w[col * K4 + k40 + kk]); }
      let n4 = r / 4u;
      let nc = r % 4u;
      ws[(kk * 4u + 0u) * TX + n4][nc] = v.x;
      ws[(kk * 4u + 1u) * TX + n4][nc] = v.y;
      ws[(kk * 4u + 2u) * TX + n4][nc] = v.z;
      ws[(kk * 4u + 3u) * TX + n4][nc] = v.w;
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let a = xs[k * TY + ty];
      let b = ws[k * TX + tx];
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    workgroupBarrier();
  }
  let colBase = n0 + tx * 4u;
  var bv = vec4f(0.0);
  if (params.hasBias != 0u) {
    for (var c = 0u; c < 4u; c++) {
      if (colBase + c < params.N) { bv[c] = bias[colBase + c]; }
    }
  }
  for (var r = 0u; r < 4u; r++) {
    let row = m0 + ty * 4u + r;
    if (row >= params.T) { break; }
    let v = acc[r] + bv;
    for (var c = 0u; c < 4u; c++) {
      if (colBase + c < params.N) { store(row * params.Nout + params.colOffset + colBase + c, v[c]); }
    }
  }
}
