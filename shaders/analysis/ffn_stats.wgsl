// COMPACT scores for one layer's down_proj input h [T, I], step 1 of 2 (ffn_stats_reduce.wgsl adds up):
//   partial[c, 0, j] = sum over rows t of chunk c of weight[t] * h[t, j]^2   (common act^2: weight 1 when token t is kept)
//   partial[c, 1, j] = sum over rows t of chunk c of h[t, j]^2               (plain act^2)
// Grid: x (folded into y) = blocks of COLS channels, z = chunks of CHUNK rows: enough workgroups to
// keep every SM reading at T = 8192 (one workgroup per channel block alone left the GPU idle).
// Lane r of a column sums rows r, r + LANES, ... of its chunk (reads coalesce across the COLS
// channels), then lane 0 adds the LANES partials.
override COLS: u32 = 64;
override LANES: u32 = 4;
override CHUNK: u32 = 256;

struct Params { T: u32, I: u32 }

@group(0) @binding(0) var<storage, read> h: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>; // [chunks, 2, I]
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partW: array<f32, COLS * LANES>;
var<workgroup> partA: array<f32, COLS * LANES>;

@compute @workgroup_size(COLS, LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let j = (wid.y * nwg.x + wid.x) * COLS + lid.x;
  let c = wid.z;
  let t0 = c * CHUNK;
  let t1 = min(params.T, t0 + CHUNK);
  var sw = 0.0;
  var sa = 0.0;
  if (j < params.I) {
    for (var t = t0 + lid.y; t < t1; t += LANES) {
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
    partial[(2u * c) * params.I + j] = tw;
    partial[(2u * c + 1u) * params.I + j] = ta;
  }
}
