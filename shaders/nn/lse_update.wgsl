// Streaming log-softmax over vocabulary chunks: folds one chunk of logits into a running
// per-row state, so the NLL over a vocabulary split into chunks (or streamed) never needs the
// full [T, V] logits. logits [T, Vc] hold columns [colOffset, colOffset + Vc) of the vocabulary
// (after the optional gemma2 final softcap, applied here) for rows rowOffset .. rowOffset + T - 1
// of targets u32[] (vocabulary ids) and state[], so a long batch can be folded in row chunks.
// state[t] = (m, s, target logit, found): running max, sum of exp(z - m), the target's logit
// once its chunk was seen, and 1.0 when it was. Start from (-3e38, 0, 0, 0).
// One workgroup per row; each thread keeps an online (max, sum) over its strided columns, the
// pairs merge in a tree, then into the state.
override WG: u32 = 256;

struct Params { T: u32, Vc: u32, colOffset: u32, softcap: f32, rowOffset: u32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read_write> state: array<vec4f>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> wmax: array<f32, WG>;
var<workgroup> wsum: array<f32, WG>;

fn safe_tanh(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

fn logit(i: u32) -> f32 {
  let z = logits[i];
  if (params.softcap > 0.0) { return params.softcap * safe_tanh(z / params.softcap); }
  return z;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= params.T) { return; }
  let base = row * params.Vc;
  var m = -3.0e38;
  var s = 0.0;
  for (var c = lid; c < params.Vc; c += WG) {
    let z = logit(base + c);
    if (z > m) {
      s = s * exp(m - z) + 1.0;
      m = z;
    } else {
      s += exp(z - m);
    }
  }
  wmax[lid] = m;
  wsum[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      let m1 = wmax[lid];
      let m2 = wmax[lid + stride];
      let mm = max(m1, m2);
      wsum[lid] = wsum[lid] * exp(m1 - mm) + wsum[lid + stride] * exp(m2 - mm);
      wmax[lid] = mm;
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let r = params.rowOffset + row;
    var st = state[r];
    let mm = max(st.x, wmax[0]);
    st.y = st.y * exp(st.x - mm) + wsum[0] * exp(wmax[0] - mm);
    st.x = mm;
    let tgt = targets[r];
    if (tgt >= params.colOffset && tgt - params.colOffset < params.Vc) {
      st.z = logit(base + tgt - params.colOffset);
      st.w = 1.0;
    }
    state[r] = st;
  }
}
