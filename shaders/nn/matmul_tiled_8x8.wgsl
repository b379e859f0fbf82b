// y[t, colOffset + n] = sum_k x[t, k] * w[n, k] (+ bias[n]); x [T, Kd], w [N, Kd] (HF Linear), y [T, Nout].
// Big-tile variant of matmul_tiled.wgsl for large T and N. Needs Kd % 4 == 0 (vec4 loads);
// w's element type comes from the prepended weights/*.wgsl (W4, w4()).
// 16x16 threads, each an 8x8 register tile: rows ty*4 + {0..3} and 64 + ty*4 + {0..3}, columns
// tx*4 + {0..3} and 64 + tx*4 + {0..3} (strided by 64 so neighbouring threads read neighbouring
// vec4s of workgroup memory): 128x128 outputs per workgroup, 4 vec4 loads per 64 FMAs.
// The accumulating variant (y += the result: the fused residual add) is this source with the one
// store line below rewritten by the wrapper (a plain `y += v`): a branch in this epilogue made the
// kernel 14x slower on an H200 (docs/bench/h200/2026-12-02), so the plain kernel stays as measured.
// K advances BK at a time through two workgroup buffers (one barrier per step); the next step's
// global loads are issued before this step's math and land in the other buffer after it.
// The gated variant (the FFN's gate and up projections fused with the activation) keeps the lines
// marked GATED and drops those marked PLAIN (matmul.ts): w is the gate weight, w2 the up weight, and
// a workgroup's 128 tile columns are 64 gate rows then the same 64 up rows, so a thread's column
// blocks j = 0 and j = 1 hold gate and up of the same 4 channels: h = act(gate + b) * (up + b2) is
// written straight away ([T, N] with N = I; act() and KIND come from activation.wgsl, prepended).
override BK: u32 = 8; // 8 or 16 (per-thread prefetch holds up to 2 vec4s per operand)
const THREADS: u32 = 256u;
const TILE: u32 = 128u;
const TILE4: u32 = 32u; // vec4s per k-row of a tile
override BK4: u32 = BK / 4u;
override LOADS: u32 = TILE * BK4 / THREADS; // vec4s per thread per operand per step: 1 or 2

struct Params { T: u32, N: u32, K4: u32, Nout: u32, colOffset: u32, hasBias: u32 }

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> w: array<W4>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> w2: array<W4>; // GATED
@group(0) @binding(5) var<storage, read> bias2: array<f32>; // GATED
const PARAMS_BINDING: u32 = 4u; // PLAIN
const PARAMS_BINDING: u32 = 6u; // GATED
@group(0) @binding(PARAMS_BINDING) var<uniform> params: Params;
const WROWS: u32 = TILE; // PLAIN
// weight rows (output channels) per workgroup // GATED
const WROWS: u32 = TILE / 2u; // GATED

// xs[(buf * BK + k) * TILE4 + m4] holds rows 4*m4..4*m4+3 of the x tile at depth k; ws likewise for w.
var<workgroup> xs: array<vec4f, 2u * BK * TILE4>;
var<workgroup> ws: array<vec4f, 2u * BK * TILE4>;

// Load slot l (0..TILE*BK4-1) of a tile: row l % TILE (so a warp's workgroup stores hit 32 banks), vec4 column l / TILE.
fn loadSlot(src: u32, r0: u32, rows: u32, k40: u32, l: u32) -> vec4f {
  let r = r0 + l % TILE;
  let kk = k40 + l / TILE;
  if (r >= rows || kk >= params.K4) { return vec4f(0.0); } // PLAIN
  let channel = select(r, r - WROWS, src == 1u && l % TILE >= WROWS); // GATED
  if (channel >= rows || kk >= params.K4) { return vec4f(0.0); } // GATED
  if (src == 0u) { return x[r * params.K4 + kk]; }
  return w4(w[r * params.K4 + kk]); // PLAIN
  if (l % TILE < WROWS) { return w4(w[r * params.K4 + kk]); } // GATED
  return w4(w2[(r - WROWS) * params.K4 + kk]); // GATED
}

fn storeX(buf: u32, l: u32, v: vec4f) {
  let r = l % TILE;
  let base = (buf * BK + (l / TILE) * 4u) * TILE4 + r / 4u;
  let c = r % 4u;
  xs[base][c] = v.x;
  xs[base + TILE4][c] = v.y;
  xs[base + 2u * TILE4][c] = v.z;
  xs[base + 3u * TILE4][c] = v.w;
}

fn storeW(buf: u32, l: u32, v: vec4f) {
  let r = l % TILE;
  let base = (buf * BK + (l / TILE) * 4u) * TILE4 + r / 4u;
  let c = r % 4u;
  ws[base][c] = v.x;
  ws[base + TILE4][c] = v.y;
  ws[base + 2u * TILE4][c] = v.z;
  ws[base + 3u * TILE4][c] = v.w;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tx = lid3.x;
  let ty = lid3.y;
  let m0 = wid.y * TILE;
  let n0 = wid.x * WROWS;
  let steps = (params.K4 + BK4 - 1u) / BK4;
  var px: array<vec4f, 2>;
  var pw: array<vec4f, 2>;
  for (var i = 0u; i < LOADS; i++) {
    storeX(0u, lid + i * THREADS, loadSlot(0u, m0, params.T, 0u, lid + i * THREADS));
    storeW(0u, lid + i * THREADS, loadSlot(1u, n0, params.N, 0u, lid + i * THREADS));
  }
  workgroupBarrier();
  // acc[(2 * i + j) * 4 + r]: row block i, column block j, row r within the block.
  var acc: array<vec4f, 16>;
  for (var s = 0u; s < steps; s++) {
    let cur = s % 2u;
    let more = s + 1u < steps;
    if (more) {
      for (var i = 0u; i < LOADS; i++) {
        px[i] = loadSlot(0u, m0, params.T, (s + 1u) * BK4, lid + i * THREADS);
        pw[i] = loadSlot(1u, n0, params.N, (s + 1u) * BK4, lid + i * THREADS);
      }
    }
    for (var k = 0u; k < BK; k++) {
      let base = (cur * BK + k) * TILE4;
      let a0 = xs[base + ty];
      let a1 = xs[base + ty + 16u];
      let b0 = ws[base + tx];
      let b1 = ws[base + tx + 16u];
      acc[0] += a0.x * b0;
      acc[1] += a0.y * b0;
      acc[2] += a0.z * b0;
      acc[3] += a0.w * b0;
      acc[4] += a0.x * b1;
      acc[5] += a0.y * b1;
      acc[6] += a0.z * b1;
      acc[7] += a0.w * b1;
      acc[8] += a1.x * b0;
      acc[9] += a1.y * b0;
      acc[10] += a1.z * b0;
      acc[11] += a1.w * b0;
      acc[12] += a1.x * b1;
      acc[13] += a1.y * b1;
      acc[14] += a1.z * b1;
      acc[15] += a1.w * b1;
    }
    if (more) {
      for (var i = 0u; i < LOADS; i++) {
        storeX(1u - cur, lid + i * THREADS, px[i]);
        storeW(1u - cur, lid + i * THREADS, pw[i]);
      }
    }
    workgroupBarrier();
  }
  for (var j = 0u; j < 2u; j++) { // PLAIN
    let colBase = n0 + j * 64u + tx * 4u; // PLAIN
    var bv = vec4f(0.0); // PLAIN
    if (params.hasBias != 0u) { // PLAIN
      for (var c = 0u; c < 4u; c++) { // PLAIN
        if (colBase + c < params.N) { bv[c] = bias[colBase + c]; } // PLAIN
      } // PLAIN
    } // PLAIN
    for (var i = 0u; i < 2u; i++) { // PLAIN
      for (var r = 0u; r < 4u; r++) { // PLAIN
        let row = m0 + i * 64u + ty * 4u + r; // PLAIN
        if (row >= params.T) { break; } // PLAIN
        let v = acc[(2u * i + j) * 4u + r] + bv; // PLAIN
        let o = row * params.Nout + params.colOffset + colBase; // PLAIN
        for (var c = 0u; c < 4u; c++) { // PLAIN
          if (colBase + c < params.N) { y[o + c] = v[c]; } // STORE (rewritten for accumulate) // PLAIN
        } // PLAIN
      } // PLAIN
    } // PLAIN
  } // PLAIN
  // channels colBase + {0..3}: gate in column block 0, up in block 1 // GATED
  let colBase = n0 + tx * 4u; // GATED
  var bg = vec4f(0.0); // GATED
  var bu = vec4f(0.0); // GATED
  if (params.hasBias != 0u) { // GATED
    for (var c = 0u; c < 4u; c++) { // GATED
      if (colBase + c < params.N) { bg[c] = bias[colBase + c]; bu[c] = bias2[colBase + c]; } // GATED
    } // GATED
  } // GATED
  for (var i = 0u; i < 2u; i++) { // GATED
    for (var r = 0u; r < 4u; r++) { // GATED
      let row = m0 + i * 64u + ty * 4u + r; // GATED
      if (row >= params.T) { break; } // GATED
      let g = acc[(2u * i) * 4u + r] + bg; // GATED
      let u = acc[(2u * i + 1u) * 4u + r] + bu; // GATED
      let o = row * params.Nout + params.colOffset + colBase; // GATED
      for (var c = 0u; c < 4u; c++) { // GATED
        if (colBase + c < params.N) { y[o + c] = act(g[c]) * u[c]; } // GATED
      } // GATED
    } // GATED
  } // GATED
}
