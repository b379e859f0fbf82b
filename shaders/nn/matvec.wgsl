// Decode-sized matmul (T <= MAX_T, Kd % 4 == 0), bandwidth-bound: y[t, colOffset + n] = x[t, :] . w[n, :] (+ bias[n]).
// w's element type comes from the prepended weights/*.wgsl (W4, w4()).
// A workgroup handles ROWS rows of w with LANES lanes each; lanes stride along K with vec4
// loads (coalesced), keep one partial per token, and meet once in workgroup memory.
override ROWS: u32 = 8;
override LANES: u32 = 32;
const MAX_T: u32 = 8u;

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

var<workgroup> partial: array<f32, ROWS * LANES * MAX_T>;

@compute @workgroup_size(ROWS * LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = lid / LANES;
  let lane = lid % LANES;
  let n = (wid.y * nwg.x + wid.x) * ROWS + r;
  let K4 = params.K4;
  let T = params.T;
  var acc: array<f32, MAX_T>;
  if (n < params.N) {
    for (var k4 = lane; k4 < K4; k4 += LANES) {
      let wv = w4(w[n * K4 + k4]);
      for (var t = 0u; t < T; t++) {
        acc[t] += dot(x[t * K4 + k4], wv);
      }
    }
  }
  for (var t = 0u; t < MAX_T; t++) { partial[lid * MAX_T + t] = acc[t]; }
  workgroupBarrier();
  if (n < params.N && lane < T) {
    var s = 0.0;
    for (var l = 0u; l < LANES; l++) { s += partial[(r * LANES + l) * MAX_T + lane]; }
    if (params.hasBias != 0u) { s += bias[n]; }
    store(lane * params.Nout + params.colOffset + n, s);
  }
}
