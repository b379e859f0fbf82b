// Rotary embedding in place, HF rotate_half convention: x [T, H*E], pairs (i, i + E/2).
//   pos = t % seqLen + positionOffset; f = f32(pos) * invFreq[i] (one f32 multiply, as HF)
//   x[i] = x1*cos(f) - x2*sin(f); x[i+E/2] = x2*cos(f) + x1*sin(f); cos/sin times attentionScaling.
// sin/cos use Cody-Waite range reduction + minimax polynomials (cephes sinf/cosf) because
// GPU built-ins are only specified to ~2^-11 absolute error and only inside [-pi, pi].
override WG: u32 = 256;

struct Params { T: u32, H: u32, E: u32, seqLen: u32, positionOffset: u32, scaling: f32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> invFreq: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// returns (sin(a), cos(a)) for a >= 0 up to ~1e5
fn sincos(a: f32) -> vec2f {
  var j = u32(a * 1.2732395447351628); // 4/pi
  j = (j + 1u) & ~1u;
  let y = f32(j);
  let r = ((a - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  switch ((j >> 1u) & 3u) {
    case 0u: { return vec2f(s, c); }
    case 1u: { return vec2f(c, -s); }
    case 2u: { return vec2f(-s, -c); }
    default: { return vec2f(-c, s); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let half = params.E / 2u;
  let idx = (wid.y * nwg.x + wid.x) * WG + lid;
  if (idx >= params.T * params.H * half) { return; }
  let i = idx % half;
  let th = idx / half; // t * H + h
  let t = th / params.H;
  let pos = t % params.seqLen + params.positionOffset;
  let f = f32(pos) * invFreq[i];
  let sc = sincos(abs(f)) * params.scaling;
  let sn = select(sc.x, -sc.x, f < 0.0);
  let base = th * params.E;
  let x1 = x[base + i];
  let x2 = x[base + i + half];
  x[base + i] = x1 * sc.y - x2 * sn;
  x[base + i + half] = x2 * sc.y + x1 * sn;
}
