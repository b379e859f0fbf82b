// Test helpers for the model spec: Gemma's embedding scale as a bf16/f16 run of transformers
// would apply it, and the rounding it needs. Only tests use these (the engine computes in f32).
import type { ModelSpec } from './spec-types';

/** Gemma's embedding scale as HF applies it: sqrt(D) rounded to the weights' dtype. */
export function embedScaleInDtype(spec: ModelSpec, dtype: 'F32' | 'F16' | 'BF16'): number {
  if (spec.embedScale === 1 || dtype === 'F32') return spec.embedScale;
  return dtype === 'BF16' ? roundToBf16(spec.embedScale) : roundToF16(spec.embedScale);
}

export function roundToBf16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = ((u[0] + 0x7fff + ((u[0] >>> 16) & 1)) >>> 16) << 16; // round to nearest even on the low 16 bits
  return f[0];
}

/** Rounds a finite value in f16's normal range to the nearest f16 (ties to even). */
export function roundToF16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x))), -14) - 10);
  const q = x / ulp;
  const r = Math.round(q);
  const even = Math.abs(q - Math.trunc(q)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even * ulp;
}
