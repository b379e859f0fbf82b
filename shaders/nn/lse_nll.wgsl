// Finishes lse_update.wgsl: nll[t] = (m - target logit) + log(s) (max minus target first keeps
// precision at large logits). A target no chunk held gives NaN, so bad ids are loud.
// state [T] of (m, s, target logit, found), nll [T]; resets state[t] for the next pass.
override WG: u32 = 256;

struct Params { T: u32 }

@group(0) @binding(0) var<storage, read_write> state: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> nll: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * WG + lid;
  if (t >= params.T) { return; }
  let st = state[t];
  if (st.w == 0.0) {
    nll[t] = bitcast<f32>(0x7fc00000u | (t & 0u)); // runtime NaN (a const NaN is a WGSL error)
  } else {
    nll[t] = (st.x - st.z) + log(st.y);
  }
  state[t] = vec4f(-3.0e38, 0.0, 0.0, 0.0);
}
