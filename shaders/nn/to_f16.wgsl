// Operand staging for the tensor-core matmul: src [R, K] (W4/w4() from the prepended
// weights/*.wgsl: f32 activations or 16-bit weights) -> hi, and optionally lo, [Rp, Kp] f16
// packed two per u32 (element 2i in the low half of word i), zero-padded to Rp >= R rows and
// Kp >= K columns (Kp % 4 == 0, K % 4 == 0), so that matrix loads need no bounds.
//   v  = clamp(src[r, k] * scale[r], +-65504)        (scale: row_scale.wgsl's powers of two, or 1)
//   hi = v with its f32 significand cut to f16's 11 bits (exact in f16 in its normal range)
//   lo = f16(v - hi)                                 (v - hi is exact in f32; hi + lo keeps 22 bits)
// Cutting instead of rounding keeps hi exact by construction, so no compiler can fold lo to zero.
// One thread per 4 elements; needs no shader-f16 (pack2x16float).
override WG: u32 = 256;
const F16_MAX: f32 = 65504.0;

struct Params { R: u32, K4: u32, Rp: u32, Kp4: u32, useScale: u32, writeLo: u32 }

@group(0) @binding(0) var<storage, read> src: array<W4>;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read_write> hi: array<vec2u>;
@group(0) @binding(3) var<storage, read_write> lo: array<vec2u>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= params.Rp * params.Kp4) { return; }
  let r = i / params.Kp4;
  let c4 = i % params.Kp4;
  var v = vec4f(0.0);
  if (r < params.R && c4 < params.K4) {
    v = w4(src[r * params.K4 + c4]);
    if (params.useScale != 0u) { v *= scale[r]; }
    v = clamp(v, vec4f(-F16_MAX), vec4f(F16_MAX));
  }
  let h = bitcast<vec4f>(bitcast<vec4u>(v) & vec4u(0xffffe000u));
  hi[i] = vec2u(pack2x16float(h.xy), pack2x16float(h.zw));
  if (params.writeLo != 0u) {
    let l = v - h;
    lo[i] = vec2u(pack2x16float(l.xy), pack2x16float(l.zw));
  }
}
