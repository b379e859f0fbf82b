// out[r, :] = x[r, :] * rsqrt(mean(x[r, :]^2) + eps) * (w or 1 + w)
// x, out [R, C], w [C]. One workgroup per row; per-head q/k norm views [T, H*E] as [T*H, E].
override WG: u32 = 256;

struct Params { R: u32, C: u32, eps: f32, plusOne: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= params.R) { return; }
  let base = row * params.C;
  var ss = 0.0;
  for (var c = lid; c < params.C; c += WG) {
    let v = x[base + c];
    ss += v * v;
  }
  partial[lid] = ss;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  let inv = inverseSqrt(partial[0] / f32(params.C) + params.eps);
  let shift = select(0.0, 1.0, params.plusOne != 0u);
  for (var c = lid; c < params.C; c += WG) {
    out[base + c] = x[base + c] * inv * (shift + w[c]);
  }
}
