// Predicted-probability mass per vocabulary column: sums[colOffset + c] += sum over rows r of
// softmax(logits[r])[c] = exp(z[r, c] - m[r]) / s[r], with (m, s) the row's folded log-softmax
// state from lse_update.wgsl (all chunks already folded). logits [T, Vc] hold columns
// [colOffset, colOffset + Vc) for rows rowOffset .. rowOffset + T - 1 of state[]; the optional
// gemma2 final softcap is applied as in lse_update.wgsl.
// One thread per column: threads of a workgroup read adjacent columns of a row (coalesced) and
// each adds its column over all T rows, so no two threads write the same sum.
override WG: u32 = 256;

struct Params { T: u32, Vc: u32, colOffset: u32, softcap: f32, rowOffset: u32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> state: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn safe_tanh(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = (wid.y * nwg.x + wid.x) * WG + lid;
  if (c >= params.Vc) { return; }
  var acc = 0.0;
  for (var r = 0u; r < params.T; r++) {
    var z = logits[r * params.Vc + c];
    if (params.softcap > 0.0) { z = params.softcap * safe_tanh(z / params.softcap); }
    let st = state[params.rowOffset + r];
    acc += exp(z - st.x) / st.y;
  }
  sums[params.colOffset + c] += acc;
}
