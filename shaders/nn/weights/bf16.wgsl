// Weight access for bf16 weights packed two per u32 (element 2i in the low half of word i):
// W4 is 4 consecutive elements (8 bytes); bf16 -> f32 is exact, a 16-bit shift.
alias W4 = vec2u;
fn w4(p: W4) -> vec4f {
  return vec4f(bitcast<f32>(p.x << 16u), bitcast<f32>(p.x & 0xffff0000u), bitcast<f32>(p.y << 16u), bitcast<f32>(p.y & 0xffff0000u));
}
