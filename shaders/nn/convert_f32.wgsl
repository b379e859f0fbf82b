// Unpack raw safetensors words into f32. DTYPE: 0 = F32 (copy), 1 = F16, 2 = BF16.
// F16 is decoded by bit manipulation (no shader-f16): subnormals, inf and nan kept.
override WG: u32 = 256;
override DTYPE: u32 = 1;

struct Params { count: u32 }

@group(0) @binding(0) var<storage, read> raw: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn half_to_f32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    // zero or subnormal: m * 2^-24, exact in f32
    let v = f32(m) * 5.9604644775390625e-8;
    return select(v, -v, sign != 0u);
  }
  if (e == 31u) {
    return bitcast<f32>(sign | 0x7f800000u | (m << 13u));
  }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= params.count) { return; }
  if (DTYPE == 0u) {
    out[i] = bitcast<f32>(raw[i]);
    return;
  }
  let word = raw[i >> 1u];
  let bits = select(word & 0xffffu, word >> 16u, (i & 1u) == 1u);
  if (DTYPE == 2u) {
    out[i] = bitcast<f32>(bits << 16u);
  } else {
    out[i] = half_to_f32(bits);
  }
}
