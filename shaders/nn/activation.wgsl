// act(g) for the gated FFN, prepended to the kernels that apply it (gated_activation.wgsl,
// the fused gate/up projection in matmul_tiled_8x8.wgsl). KIND: 0 = silu, 1 = gelu_tanh, 2 = gelu (erf).
override KIND: u32 = 0;

// tanh without overflow for large |x|
fn safe_tanh(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

// erf via erfc (Numerical Recipes erfcc, fractional error < 1.2e-7)
fn erf_approx(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let erfc = t * exp(poly);
  return select(1.0 - erfc, erfc - 1.0, x < 0.0);
}

fn act(g: f32) -> f32 {
  if (KIND == 0u) {
    return g / (1.0 + exp(-g));
  }
  if (KIND == 1u) {
    return 0.5 * g * (1.0 + safe_tanh(0.7978845608028654 * (g + 0.044715 * g * g * g)));
  }
  return 0.5 * g * (1.0 + erf_approx(g * 0.7071067811865476));
}
