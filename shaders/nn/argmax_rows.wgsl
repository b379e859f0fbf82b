// out[t] = argmax_j logits[t, j] (first index on ties, NaN skipped), logits [T, V], out u32[T].
// One workgroup per row, tree reduction of (value, index) pairs.
override WG: u32 = 256;

struct Params { T: u32, V: u32 }

const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> bestV: array<f32, WG>;
var<workgroup> bestI: array<u32, WG>;

fn better(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  if (i == NONE) { return false; }
  if (bi == NONE) { return true; }
  return v > bv || (v == bv && i < bi);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= params.T) { return; }
  let base = row * params.V;
  var bv = 0.0;
  var bi = NONE;
  for (var c = lid; c < params.V; c += WG) {
    let v = logits[base + c];
    if (v == v && (bi == NONE || v > bv)) {
      bv = v;
      bi = c;
    }
  }
  bestV[lid] = bv;
  bestI[lid] = bi;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride && better(bestV[lid + stride], bestI[lid + stride], bestV[lid], bestI[lid])) {
      bestV[lid] = bestV[lid + stride];
      bestI[lid] = bestI[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { out[row] = select(bestI[0], 0u, bestI[0] == NONE); }
}
