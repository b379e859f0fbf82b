// Fast-mode matmul on tensor cores (subgroup matrices: f16 inputs, f32 accumulation):
//   y[t, colOffset + n] = (sum_k (x[t, k] * inScale[t]) w[n, k]) / inScale[t] (+ bias[n])
// x [T, Kd] f32, w [N, Kd] (W4/w4() from the prepended weights/*.wgsl), y [T, Nout] f32.
// inScale[t] is a power of two (row_scale.wgsl) that brings row t of x into f16 range, so
// activations above 65504 neither overflow nor lose the rest of the row; weights are clamped to
// the f16 range (none of a real LLM's come near it). Needs Kd % 4 == 0.
// A workgroup of 8 subgroups computes a 128x128 tile; subgroup s covers rows (s / 4) * 64 ..+64
// and columns (s % 4) * 32 ..+32 as 4 x 2 fragments of 16x16. K advances BK at a time through
// f16 tiles in workgroup memory, staged with loads that run along K (coalesced).
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;
// every subgroup-matrix operand is subgroup-uniform (offsets from lid / SG), which the analysis cannot see
diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);
diagnostic(off, subgroup_uniformity);

override SG: u32 = 32; // the adapter's subgroup size; the workgroup is 8 subgroups
const BM: u32 = 128u;
const BN: u32 = 128u;
const BK: u32 = 32u;
const LDS: u32 = BK + 8u; // padded row stride (f16 elements) of the staged tiles
const F16_MAX: f32 = 65504.0;

struct Params { T: u32, N: u32, K4: u32, Nout: u32, colOffset: u32, hasBias: u32, accumulate: u32 }

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> w: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> inScale: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

// accumulate = 1: y += the result (the residual add fused into the projection that feeds it)
fn store(i: u32, v: f32) {
  if (params.accumulate != 0u) { y[i] = y[i] + v; } else { y[i] = v; }
}

var<workgroup> xs: array<f16, BM * LDS>;
var<workgroup> ws: array<f16, BN * LDS>;
var<workgroup> frag: array<f32, 8u * 256u>; // one 16x16 result per subgroup, for the epilogue

@compute @workgroup_size(8 * SG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let s = lid / SG;
  let sm = s / 4u; // 0..1: 64-row half
  let sn = s % 4u; // 0..3: 32-column quarter
  let threads = 8u * SG;
  let K4 = params.K4;
  var acc: array<subgroup_matrix_result<f32, 16, 16>, 8>;
  for (var k40 = 0u; k40 < K4; k40 += BK / 4u) {
    // stage BM x BK of x and BN x BK of w as f16; slot l -> row l / (BK/4), vec4 l % (BK/4)
    for (var l = lid; l < BM * (BK / 4u); l += threads) {
      let r = l / (BK / 4u);
      let c4 = l % (BK / 4u);
      let row = m0 + r;
      var v = vec4f(0.0);
      if (row < params.T && k40 + c4 < K4) { v = x[row * K4 + k40 + c4] * inScale[row]; }
      let h = vec4<f16>(v);
      let o = r * LDS + c4 * 4u;
      xs[o] = h.x;
      xs[o + 1u] = h.y;
      xs[o + 2u] = h.z;
      xs[o + 3u] = h.w;
    }
    for (var l = lid; l < BN * (BK / 4u); l += threads) {
      let r = l / (BK / 4u);
      let c4 = l % (BK / 4u);
      let col = n0 + r;
      var v = vec4f(0.0);
      if (col < params.N && k40 + c4 < K4) { v = clamp(w4(w[col * K4 + k40 + c4]), vec4f(-F16_MAX), vec4f(F16_MAX)); }
      let h = vec4<f16>(v);
      let o = r * LDS + c4 * 4u;
      ws[o] = h.x;
      ws[o + 1u] = h.y;
      ws[o + 2u] = h.z;
      ws[o + 3u] = h.w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk += 16u) {
      var a: array<subgroup_matrix_left<f16, 16, 16>, 4>;
      var b: array<subgroup_matrix_right<f16, 16, 16>, 2>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, (sm * 64u + i * 16u) * LDS + kk, LDS);
      }
      for (var j = 0u; j < 2u; j++) {
        // w's tile is [n][k] row-major: the right matrix (k rows, n columns) column-major
        b[j] = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, (sn * 32u + j * 16u) * LDS + kk, LDS);
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 2u; j++) {
          acc[i * 2u + j] = subgroupMatrixMultiplyAccumulate(a[i], b[j], acc[i * 2u + j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var f = 0u; f < 8u; f++) {
    subgroupMatrixStore<row_major>(&frag, s * 256u, acc[f], 16u);
    workgroupBarrier();
    for (var e = lane; e < 256u; e += SG) {
      let row = m0 + sm * 64u + (f / 2u) * 16u + e / 16u;
      let col = n0 + sn * 32u + (f % 2u) * 16u + e % 16u;
      if (row < params.T && col < params.N) {
        var v = frag[s * 256u + e] / inScale[row];
        if (params.hasBias != 0u) { v += bias[col]; }
        store(row * params.Nout + params.colOffset + col, v);
      }
    }
    workgroupBarrier();
  }
}
