// Step 2 of the COMPACT scores (after ffn_stats.wgsl): sumWeighted[j] += sum_c partial[c, 0, j],
// sumAll[j] += sum_c partial[c, 1, j], chunks in order. One thread per channel.
override WG: u32 = 256;

struct Params { I: u32, chunks: u32 }

@group(0) @binding(0) var<storage, read> partial: array<f32>; // [chunks, 2, I]
@group(0) @binding(1) var<storage, read_write> sumWeighted: array<f32>;
@group(0) @binding(2) var<storage, read_write> sumAll: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = (wid.y * nwg.x + wid.x) * WG + lid;
  if (j >= params.I) { return; }
  var tw = 0.0;
  var ta = 0.0;
  for (var c = 0u; c < params.chunks; c++) {
    tw += partial[(2u * c) * params.I + j];
    ta += partial[(2u * c + 1u) * params.I + j];
  }
  sumWeighted[j] = sumWeighted[j] + tw;
  sumAll[j] = sumAll[j] + ta;
}
