// COMPACT scores for one layer's down_proj input h [T, I]:
//   sumWeighted[j] += sum_t weight[t] * h[t, j]^2   (common act^2: weight 1 when token t is kept)
//   sumAll[j]      += sum_t h[t, j]^2               (plain act^2)
// A workgroup covers COLS channels with LANES threads each; lane r sums rows t = r, r + LANES, ...
// (reads of h coalesce across the COLS channels), then lane 0 adds the LANES partials.
override COLS: u32 = 32;
override LANES: u32 = 8;

struct Params { T: u32, I: u32 }

@group(0) @binding(0) var<storage, read> h: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> sumWeighted: array<f32>;
@group(0) @binding(3) var<storage, read_write> sumAll: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> partW: array<f32, COLS * LANES>;
var<workgroup> partA: array<f32, COLS * LANES>;

@compute @workgroup_size(COLS, LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let j = (wid.y * nwg.x + wid.x) * COLS + lid.x;
  var sw = 0.0;
  var sa = 0.0;
  if (j < params.I) {
    for (var t = lid.y; t < params.T; t += LANES) {
      let v = h[t * params.I + j];
      let v2 = v * v;
      sa += v2;
      sw += weight[t] * v2;
    }
  }
  partW[lid.y * COLS + lid.x] = sw;
  partA[lid.y * COLS + lid.x] = sa;
  workgroupBarrier();
  if (lid.y == 0u && j < params.I) {
    var tw = 0.0;
    var ta = 0.0;
    for (var r = 0u; r < LANES; r++) {
      tw += partW[r * COLS + lid.x];
      ta += partA[r * COLS + lid.x];
    }
    sumWeighted[j] = sumWeighted[j] + tw;
    sumAll[j] = sumAll[j] + ta;
  }
}
