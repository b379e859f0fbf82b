// nll[t] = logsumexp(logits[t, :]) - logits[t, target[t]], with an optional gemma2
// final softcap (cap * tanh(z / cap)) applied first. logits [T, V], targets u32[T], nll [T].
// One workgroup per row; each thread keeps an online (max, sum) over its strided columns,
// then the pairs are merged in a tree. A target >= V gives NaN so bad ids are loud.
override WG: u32 = 256;

struct Params { T: u32, V: u32, softcap: f32 }

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read_write> nll: array<f32>;
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
  let base = row * params.V;
  var m = -3.0e38;
  var s = 0.0;
  for (var c = lid; c < params.V; c += WG) {
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
    let tgt = targets[row];
    if (tgt >= params.V) {
      nll[row] = bitcast<f32>(0x7fc00000u | (tgt & 0u)); // runtime NaN (a const NaN is a WGSL error)
    } else {
      nll[row] = (wmax[0] - logit(base + tgt)) + log(wsum[0]); // max - target first: exact, keeps precision at large logits
    }
  }
}
