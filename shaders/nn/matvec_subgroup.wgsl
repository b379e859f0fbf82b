// Decode-sized matmul (T <= MAX_T rows of x, Kd % 4 == 0) with subgroup reductions:
// y[t, colOffset + n] = x[t, :] . w[n, :] (+ bias[n]). A workgroup covers ROWS rows of w; each
// subgroup takes rows sg, sg + subgroups, ... and its lanes stride along K with 4-element loads
// (coalesced), then subgroupAdd meets the partials: no workgroup memory and no barriers (those
// made the shared-memory version 100x slower on CPU WebGPU). Correct for any subgroup size.
// w's element type comes from the prepended weights/*.wgsl (W4, w4()).
enable subgroups;
// rows are subgroup-uniform (lid / subgroup_size), which the analysis cannot see
diagnostic(off, subgroup_uniformity);
override WG: u32 = 256;
override ROWS: u32 = 16;
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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgSize: u32) {
  let first = (wid.y * nwg.x + wid.x) * ROWS;
  let subgroups = WG / sgSize;
  let K4 = params.K4;
  let T = params.T;
  for (var r = lid / sgSize; r < ROWS; r += subgroups) {
    let n = first + r;
    var acc: array<f32, MAX_T>;
    if (n < params.N) {
      for (var k4 = lane; k4 < K4; k4 += sgSize) {
        let wv = w4(w[n * K4 + k4]);
        for (var t = 0u; t < T; t++) { acc[t] += dot(x[t * K4 + k4], wv); }
      }
    }
    for (var t = 0u; t < T; t++) {
      var s = subgroupAdd(acc[t]);
      if (lane == 0u && n < params.N) {
        if (params.hasBias != 0u) { s += bias[n]; }
        store(t * params.Nout + params.colOffset + n, s);
      }
    }
  }
}
