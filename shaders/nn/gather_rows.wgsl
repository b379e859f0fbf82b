// out[r, c] = src[idx[r], c]: src [R, C], idx u32[R2], out [R2, C]. Out-of-range indices write 0.
override WG: u32 = 256;

struct Params { R: u32, C: u32, R2: u32 }

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= params.R2 * params.C) { return; }
  let r = i / params.C;
  let c = i - r * params.C;
  let s = idx[r];
  out[i] = select(0.0, src[s * params.C + c], s < params.R);
}
