// out[t, :] = table[ids[t] - rowOffset, :] * scale, only for ids in [rowOffset, rowOffset + Vc);
// other rows of out are left untouched so split tables can each write their part.
// One thread per (t, d): table [Vc, D], ids u32[T], out [T, D]. The table's element type comes from the
// prepended weights/*.wgsl: element e is component e % 4 of group e / 4.
override WG: u32 = 256;

struct Params { T: u32, D: u32, Vc: u32, rowOffset: u32, scale: f32 }

@group(0) @binding(0) var<storage, read> table: array<W4>;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= params.T * params.D) { return; }
  let t = i / params.D;
  let d = i - t * params.D;
  let id = ids[t];
  if (id < params.rowOffset || id - params.rowOffset >= params.Vc) { return; }
  let e = (id - params.rowOffset) * params.D + d;
  out[i] = w4(table[e >> 2u])[e & 3u] * params.scale;
}
