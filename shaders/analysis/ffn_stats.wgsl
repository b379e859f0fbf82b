// COMPACT scores for one layer's down_proj input h [T, I]:
//   sumWeighted[j] += sum_t weight[t] * h[t, j]^2   (common act^2: weight 1 when token t is kept)
//   sumAll[j]      += sum_t h[t, j]^2               (plain act^2)
// One thread per channel j (reads of h coalesce across j); loops over T.
override WG: u32 = 256;

struct Params { T: u32, I: u32 }

@group(0) @binding(0) var<storage, read> h: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> sumWeighted: array<f32>;
@group(0) @binding(3) var<storage, read_write> sumAll: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = (wid.y * nwg.x + wid.x) * WG + lid;
  if (j >= params.I) { return; }
  var sw = 0.0;
  var sa = 0.0;
  for (var t = 0u; t < params.T; t++) {
    let v = h[t * params.I + j];
    let v2 = v * v;
    sa += v2;
    sw += weight[t] * v2;
  }
  sumWeighted[j] = sumWeighted[j] + sw;
  sumAll[j] = sumAll[j] + sa;
}
