// Weight access for f16 weights packed two per u32 (element 2i in the low half of word i):
// W4 is 4 consecutive elements (8 bytes). Decoded by bit manipulation (no shader-f16), exact for
// subnormals, infinities and NaN (unpack2x16float may flush subnormals).
alias W4 = vec2u;
fn half_bits_to_f32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    let v = f32(m) * 5.9604644775390625e-8; // m * 2^-24, exact
    return select(v, -v, sign != 0u);
  }
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}
fn w4(p: W4) -> vec4f {
  return vec4f(half_bits_to_f32(p.x & 0xffffu), half_bits_to_f32(p.x >> 16u), half_bits_to_f32(p.y & 0xffffu), half_bits_to_f32(p.y >> 16u));
}
