// Per-row input scales for the fast (f16) matmul: inScale[t] = the largest power of two with
// max_k |x[t, k]| * inScale[t] <= LIMIT, within [2^-126, 2^64] (1 for an all-zero row). Rows
// above the f16 range come down into it, small rows go up out of f16's subnormals; exact in f32.
// x [T, Kd] as vec4 (Kd % 4 == 0); one subgroup per row, lanes striding along K, subgroupMax.
enable subgroups;
diagnostic(off, subgroup_uniformity);
override WG: u32 = 256;
override ROWS: u32 = 16;
const LIMIT: f32 = 16384.0; // leaves headroom below f16's 65504

struct Params { T: u32, K4: u32 }

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> inScale: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgSize: u32) {
  let first = (wid.y * nwg.x + wid.x) * ROWS;
  for (var r = lid / sgSize; r < ROWS; r += WG / sgSize) {
    let t = first + r;
    var m = 0.0;
    if (t < params.T) {
      for (var k4 = lane; k4 < params.K4; k4 += sgSize) {
        let a = abs(x[t * params.K4 + k4]);
        m = max(m, max(max(a.x, a.y), max(a.z, a.w)));
      }
    }
    let rowMax = subgroupMax(m);
    if (lane == 0u && t < params.T) {
      var s = 1.0;
      if (rowMax > 0.0) {
        s = exp2(clamp(floor(log2(LIMIT / rowMax)), -126.0, 64.0));
        if (rowMax * s > LIMIT) { s *= 0.5; } // log2 may round up at a power of two
      }
      inScale[t] = s;
    }
  }
}
