// out[r, c] = src[idx[r], c] for 16-bit elements packed two per u32 (element e in half e % 2 of
// word e / 2): src [R, C], idx u32[R2], out [R2, C]. One thread per output word (2 elements), so
// rows of odd C need no alignment. Out-of-range indices write 0.
override WG: u32 = 256;

struct Params { R: u32, C: u32, R2: u32 }

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> idx: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

fn element(r2: u32, c: u32) -> u32 {
  let s = idx[r2];
  if (s >= params.R) { return 0u; }
  let e = s * params.C + c;
  return (src[e >> 1u] >> ((e & 1u) * 16u)) & 0xffffu;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let word = (wid.y * nwg.x + wid.x) * WG + lid;
  let total = params.R2 * params.C;
  let e0 = word * 2u;
  if (e0 >= total) { return; }
  let lo = element(e0 / params.C, e0 % params.C);
  var hi = 0u;
  if (e0 + 1u < total) { hi = element((e0 + 1u) / params.C, (e0 + 1u) % params.C); }
  out[word] = lo | (hi << 16u);
}
