// Fast-mode matmul on tensor cores (subgroup matrices: f16 inputs, f32 accumulation):
//   y[t, colOffset + n] (+)= (sum_k xs[t, k] w[n, k]) / inScale[t] (+ bias[n])
// over operands staged by to_f16.wgsl: xh (and xl) [Tp, Kp] f16 = x [T, Kd] f32 times inScale[t]
// (row_scale.wgsl's power of two that brings row t into f16 range), wh [Np, Kp] f16 = w [N, Kd];
// zero-padded to Tp = Np = multiples of 128 plus one spare row (matrix loads need no bounds,
// whatever bound an implementation checks) and Kp a multiple of 32. y [T, Nout] f32.
// The split variant keeps the lines marked SPLIT and drops those marked F16 (matmul.ts; the plain
// variant the other way round): x comes as hi + lo (22 significant bits together) and is
// multiplied twice; with 16-bit weights (exact in f16 within its range) the result is then close
// to an f32 matmul. H200: 47 TFLOP/s plain, 35 split (a first version reading every fragment
// straight from the buffers ran at 37 and 28).
// A workgroup is 8 subgroups of 32 and computes a 128x128 tile: subgroup s takes rows
// (s % 4) * 32 + [0, 32) and columns (s / 4) * 64 + [0, 64), as 2 x 4 fragments of 16x16.
// K advances 32 at a time: the subgroups copy the step's 128x32 tiles of xh (xl) and wh into
// workgroup memory fragment by fragment (matrix load from the buffer, matrix store), then every
// subgroup reads its fragments from there (two barriers per step).
// The matrix builtins want their offsets uniform; these depend on the subgroup id, uniform within
// each subgroup, which is all a subgroup-scoped operation needs: hence the diagnostic below.
diagnostic(off, chromium.subgroup_matrix_uniformity);
enable f16;
enable subgroups;
enable chromium_experimental_subgroup_matrix;

override ACCUMULATE: bool = false; // y += the result (the residual add fused into the projection that feeds it)
const THREADS: u32 = 256u;
const BM: u32 = 128u;
const BN: u32 = 128u;

struct Params { T: u32, N: u32, Kp: u32, Nout: u32, colOffset: u32, hasBias: u32 }

@group(0) @binding(0) var<storage, read> xh: array<f16>;
@group(0) @binding(1) var<storage, read> wh: array<f16>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> inScale: array<f32>;
@group(0) @binding(5) var<storage, read> xl: array<f16>; // SPLIT
const PARAMS_BINDING: u32 = 6u; // SPLIT
const PARAMS_BINDING: u32 = 5u; // F16
@group(0) @binding(PARAMS_BINDING) var<uniform> params: Params;

const BK: u32 = 32u;
const LDS: u32 = BK + 8u; // padded row stride (f16) of the workgroup tiles
var<workgroup> xs: array<f16, BM * LDS + 16u>; // + 16: a fragment's load bound past the last row
var<workgroup> ws: array<f16, BN * LDS + 16u>;
var<workgroup> xls: array<f16, BM * LDS + 16u>; // SPLIT
var<workgroup> frag: array<f32, 8u * 256u>; // one 16x16 result fragment per subgroup, for the epilogue

// The fragment this subgroup just stored at frag[sg * 256], rows r0 + [0, 16), columns c0 + [0, 16), to y.
fn emit(sg: u32, lane: u32, r0: u32, c0: u32) {
  for (var e = lane; e < 256u; e += 32u) {
    let row = r0 + e / 16u;
    let col = c0 + e % 16u;
    if (row < params.T && col < params.N) {
      var v = frag[sg * 256u + e] / inScale[row];
      if (params.hasBias != 0u) { v += bias[col]; }
      let o = row * params.Nout + params.colOffset + col;
      if (ACCUMULATE) { y[o] = y[o] + v; } else { y[o] = v; }
    }
  }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_id) sg: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let Kp = params.Kp;
  let r0 = wid.y * BM + (sg % 4u) * 32u; // this subgroup's first row
  let c0 = wid.x * BN + (sg / 4u) * 64u; // and first column
  let a = (sg % 4u) * 32u * LDS; // its rows of xs, and its columns (rows of ws)
  let b = (sg / 4u) * 64u * LDS;
  // the fragments this subgroup copies each step: tile rows 16 * (sg % 8u), k halves 0 and 16
  let cr = sg * 16u;
  let gx = (wid.y * BM + cr) * Kp;
  let gw = (wid.x * BN + cr) * Kp;
  // c<i><j>: row block i (16 rows), column block j (16 columns); unrolled by hand (no dynamic indexing of matrix arrays)
  var c00: subgroup_matrix_result<f32, 16, 16>;
  var c01: subgroup_matrix_result<f32, 16, 16>;
  var c02: subgroup_matrix_result<f32, 16, 16>;
  var c03: subgroup_matrix_result<f32, 16, 16>;
  var c10: subgroup_matrix_result<f32, 16, 16>;
  var c11: subgroup_matrix_result<f32, 16, 16>;
  var c12: subgroup_matrix_result<f32, 16, 16>;
  var c13: subgroup_matrix_result<f32, 16, 16>;
  for (var k = 0u; k < Kp; k += BK) {
    for (var h = 0u; h < BK; h += 16u) {
      let fx = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xh, gx + k + h, Kp);
      subgroupMatrixStore<row_major>(&xs, cr * LDS + h, fx, LDS);
      let fl = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xl, gx + k + h, Kp); // SPLIT
      subgroupMatrixStore<row_major>(&xls, cr * LDS + h, fl, LDS); // SPLIT
      let fw = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&wh, gw + k + h, Kp);
      subgroupMatrixStore<col_major>(&ws, cr * LDS + h, fw, LDS);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk += 16u) {
      // ws is [n][k]: the right matrix (k rows, n columns) column-major
      let a0 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, a + kk, LDS);
      let a1 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xs, a + 16u * LDS + kk, LDS);
      let l0 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xls, a + kk, LDS); // SPLIT
      let l1 = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(&xls, a + 16u * LDS + kk, LDS); // SPLIT
      let b0 = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, b + kk, LDS);
      let b1 = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, b + 16u * LDS + kk, LDS);
      let b2 = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, b + 32u * LDS + kk, LDS);
      let b3 = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, col_major>(&ws, b + 48u * LDS + kk, LDS);
      c00 = subgroupMatrixMultiplyAccumulate(l0, b0, c00); // SPLIT
      c01 = subgroupMatrixMultiplyAccumulate(l0, b1, c01); // SPLIT
      c02 = subgroupMatrixMultiplyAccumulate(l0, b2, c02); // SPLIT
      c03 = subgroupMatrixMultiplyAccumulate(l0, b3, c03); // SPLIT
      c10 = subgroupMatrixMultiplyAccumulate(l1, b0, c10); // SPLIT
      c11 = subgroupMatrixMultiplyAccumulate(l1, b1, c11); // SPLIT
      c12 = subgroupMatrixMultiplyAccumulate(l1, b2, c12); // SPLIT
      c13 = subgroupMatrixMultiplyAccumulate(l1, b3, c13); // SPLIT
      c00 = subgroupMatrixMultiplyAccumulate(a0, b0, c00);
      c01 = subgroupMatrixMultiplyAccumulate(a0, b1, c01);
      c02 = subgroupMatrixMultiplyAccumulate(a0, b2, c02);
      c03 = subgroupMatrixMultiplyAccumulate(a0, b3, c03);
      c10 = subgroupMatrixMultiplyAccumulate(a1, b0, c10);
      c11 = subgroupMatrixMultiplyAccumulate(a1, b1, c11);
      c12 = subgroupMatrixMultiplyAccumulate(a1, b2, c12);
      c13 = subgroupMatrixMultiplyAccumulate(a1, b3, c13);
    }
    workgroupBarrier();
  }
  // epilogue, one fragment at a time through this subgroup's slot of frag: scale, bias, bounds
  let slot = sg * 256u;
  subgroupMatrixStore<row_major>(&frag, slot, c00, 16u);
  workgroupBarrier();
  emit(sg, lane, r0, c0);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c01, 16u);
  workgroupBarrier();
  emit(sg, lane, r0, c0 + 16u);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c02, 16u);
  workgroupBarrier();
  emit(sg, lane, r0, c0 + 32u);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c03, 16u);
  workgroupBarrier();
  emit(sg, lane, r0, c0 + 48u);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c10, 16u);
  workgroupBarrier();
  emit(sg, lane, r0 + 16u, c0);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c11, 16u);
  workgroupBarrier();
  emit(sg, lane, r0 + 16u, c0 + 16u);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c12, 16u);
  workgroupBarrier();
  emit(sg, lane, r0 + 16u, c0 + 32u);
  workgroupBarrier();
  subgroupMatrixStore<row_major>(&frag, slot, c13, 16u);
  workgroupBarrier();
  emit(sg, lane, r0 + 16u, c0 + 48u);
}
