// Weight access for f32 weights (prepended to kernels that read weights): W4 is one group of
// 4 consecutive elements, w4() returns them as f32.
alias W4 = vec4f;
fn w4(p: W4) -> vec4f { return p; }
