// Fast-mode matmul on tensor cores (subgroup matrices: f16 inputs, f32 accumulation):
//   y[t, colOffset + n] (+)= (sum_k (x[t, k] * inScale[t]) w[n, k]) / inScale[t] (+ bias[n])
// x [T, Kd] f32, w [N, Kd] (W4/w4() from the prepended weights/*.wgsl), y [T, Nout] f32.
// inScale[t] is a power of two (row_scale.wgsl) that brings row t of x into f16 range, so
// activations above 65504 neither overflow nor lose the rest of the row; weights are clamped to
// the f16 range (none of a real LLM's come near it). Needs Kd % 4 == 0.
// A workgroup is ONE subgroup (every subgroup-matrix pointer offset must be uniform, so it may
// depend on the workgroup id only) and computes a 64x32 tile as 4 x 2 fragments of 16x16. K
// advances BK at a time through f16 tiles in workgroup memory, staged with loads along K.
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;

override SG: u32 = 32; // the adapter's subgroup size = the workgroup size
const BM: u32 = 64u;
const BN: u32 = 32u;
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

// one spare row each: matrix loads near the end stay inside the array whatever bound is checked
var<workgroup> xs: array<f16, (BM + 1u) * LDS>;
var<workgroup> ws: array<f16, (BN + 1u) * LDS>;
var<workgroup> frag: array<f32, 8u * 256u>; // the 8 result fragments, for the epilogue

@compute @workgroup_size(SG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let K4 = params.K4;
  // 4 x 2 fragments, unrolled by hand (no dynamic indexing of matrix arrays)
  var acc0: subgroup_matrix_result<f32, 16, 16>;
  var acc1: subgroup_matrix_result<f32, 16, 16>;
  var acc2: subgroup_matrix_result<f32, 16, 16>;
  var acc3: subgroup_matrix_result<f32, 16, 16>;
  var acc4: subgroup_matrix_result<f32, 16, 16>;
  var acc5: subgroup_matrix_result<f32, 16, 16>;
  var acc6: subgroup_matrix_result<f32, 16, 16>;
  var acc7: subgroup_matrix_result<f32, 16, 16>;
  for (var k40 = 0u; k40 < K4; k40 += BK / 4u) {
    // stage BM x BK of x and BN x BK of w as f16; slot l -> row l / (BK/4), vec4 l % (BK/4)
    for (var l = lid; l < BM * (BK / 4u); l += SG) {
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
    for (var l = lid; l < BN * (BK / 4u); l += SG) {
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
      // w's tile is [n][k] row-major: the right matrix (k rows, n columns) column-major
      let b0 = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, kk, LDS);
      let b1 = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, 16u * LDS + kk, LDS);
      let a0 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, 0u * LDS + kk, LDS);
      acc0 = subgroupMatrixMultiplyAccumulate(a0, b0, acc0);
      acc1 = subgroupMatrixMultiplyAccumulate(a0, b1, acc1);
      let a1 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, 16u * LDS + kk, LDS);
      acc2 = subgroupMatrixMultiplyAccumulate(a1, b0, acc2);
      acc3 = subgroupMatrixMultiplyAccumulate(a1, b1, acc3);
      let a2 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, 32u * LDS + kk, LDS);
      acc4 = subgroupMatrixMultiplyAccumulate(a2, b0, acc4);
      acc5 = subgroupMatrixMultiplyAccumulate(a2, b1, acc5);
      let a3 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, 48u * LDS + kk, LDS);
      acc6 = subgroupMatrixMultiplyAccumulate(a3, b0, acc6);
      acc7 = subgroupMatrixMultiplyAccumulate(a3, b1, acc7);
    }
    workgroupBarrier();
  }
  // epilogue: the 8 fragments to workgroup memory (constant offsets), then scale, bias, bounds
  subgroupMatrixStore<row_major>(&frag, 0u, acc0, 16u);
  subgroupMatrixStore<row_major>(&frag, 256u, acc1, 16u);
  subgroupMatrixStore<row_major>(&frag, 512u, acc2, 16u);
  subgroupMatrixStore<row_major>(&frag, 768u, acc3, 16u);
  subgroupMatrixStore<row_major>(&frag, 1024u, acc4, 16u);
  subgroupMatrixStore<row_major>(&frag, 1280u, acc5, 16u);
  subgroupMatrixStore<row_major>(&frag, 1536u, acc6, 16u);
  subgroupMatrixStore<row_major>(&frag, 1792u, acc7, 16u);
  workgroupBarrier();
  for (var e = lid; e < 8u * 256u; e += SG) {
    let f = e / 256u; // row block f / 2, column block f % 2
    let i = e % 256u;
    let row = m0 + (f / 2u) * 16u + i / 16u;
    let col = n0 + (f % 2u) * 16u + i % 16u;
    if (row < params.T && col < params.N) {
      var v = frag[e] / inScale[row];
      if (params.hasBias != 0u) { v += bias[col]; }
      store(row * params.Nout + params.colOffset + col, v);
    }
  }
}
