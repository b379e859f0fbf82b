import { describe, expect, it } from 'vitest';
import { encodeFromF32 } from '../../io/dtype-encode';
import { decodeToF32 } from '../../io/dtype-decode';
import { ShapeError } from '../errors';
import { activationRef } from './cpu-reference';
import type { GatedKind } from './elementwise';
import { fusesGateUp, gatedProjection } from './gated-projection';
import { maxAbs, maxAbsDiff, randomArray, testGpu } from './test-utils';

/** act(x g^T + bg) * (x u^T + bu) in float64 from the f32 inputs. */
function gatedRef(x: Float32Array, g: Float32Array, u: Float32Array, T: number, I: number, Kd: number, kind: GatedKind, bg?: Float32Array, bu?: Float32Array): Float64Array {
  const out = new Float64Array(T * I);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < I; i++) {
      let a = bg ? bg[i] : 0;
      let b = bu ? bu[i] : 0;
      for (let k = 0; k < Kd; k++) {
        a += x[t * Kd + k] * g[i * Kd + k];
        b += x[t * Kd + k] * u[i * Kd + k];
      }
      out[t * I + i] = activationRef(a, kind) * b;
    }
  return out;
}

// f32 sums over Kd <= 172 terms of size <= 1 err by ~1e-6 of their scale; act' <= 1.13, so the
// product errs by a few 1e-6 of max|ref| (max seen is printed). A gate/up mix-up is O(max|ref|).
const TOL = 1e-5;

describe('gatedProjection (gate and up fused with the activation)', () => {
  const cases: Array<[GatedKind, number, number, number, boolean, 'f32' | 'bf16']> = [
    ['silu', 130, 100, 36, true, 'f32'],
    ['gelu_tanh', 9, 131, 44, false, 'bf16'],
    ['gelu', 256, 64, 172, true, 'bf16'],
    ['silu', 200, 257, 64, false, 'bf16'],
  ];
  it.each(cases)('fused %s T=%i I=%i Kd=%i bias=%s %s weights matches the CPU reference', async (kind, T, I, Kd, withBias, dtype) => {
    const gpu = await testGpu();
    const xs = randomArray(T * Kd, T + 1);
    let gs = randomArray(I * Kd, I + 2);
    let us = randomArray(I * Kd, I + 3);
    const weight = (v: Float32Array, name: string) => {
      if (dtype === 'f32') return { t: gpu.tensor([I, Kd], name, v), f32: v };
      const bytes = encodeFromF32(v, 'BF16');
      return { t: gpu.weight([I, Kd], 'bf16', name, bytes), f32: decodeToF32(bytes, 'BF16') };
    };
    const gw = weight(gs, 'gate');
    const uw = weight(us, 'up');
    gs = gw.f32;
    us = uw.f32;
    const bg = randomArray(I, 4);
    const bu = randomArray(I, 5);
    const out = gpu.tensor([T, I], 'h', new Float32Array(T * I).fill(7));
    const rec = gpu.recorder();
    gatedProjection(gpu, rec, gpu.tensor([T, Kd], 'x', xs), gw.t, uw.t, out, {
      kind,
      kernel: 'fused',
      gateBias: withBias ? gpu.tensor([I], 'bg', bg) : undefined,
      upBias: withBias ? gpu.tensor([I], 'bu', bu) : undefined,
      gate: gpu.tensor([T, I], 'gate scratch'),
      up: gpu.tensor([T, I], 'up scratch'),
    });
    rec.submit();
    const got = await gpu.read(out);
    const ref = gatedRef(xs, gs, us, T, I, Kd, kind, withBias ? bg : undefined, withBias ? bu : undefined);
    const d = maxAbsDiff(got, ref);
    console.log(`gated ${kind} T=${T} I=${I} Kd=${Kd} ${dtype}: max abs diff ${d.toExponential(2)} (max |ref| ${maxAbs(ref).toFixed(2)})`);
    expect(d).toBeLessThanOrEqual(TOL * maxAbs(ref));
    // the check can fail: gate and up swapped is far outside it
    const swapped = gatedRef(xs, us, gs, T, I, Kd, kind, withBias ? bu : undefined, withBias ? bg : undefined);
    expect(maxAbsDiff(got, swapped)).toBeGreaterThan(100 * TOL * maxAbs(ref));
  });

  it('the unfused path (two matmuls and the activation) gives the same h to f32 rounding', async () => {
    const gpu = await testGpu();
    const [T, I, Kd] = [70, 96, 64];
    const xs = randomArray(T * Kd, 21);
    const gs = randomArray(I * Kd, 22);
    const us = randomArray(I * Kd, 23);
    const run = async (kernel: 'fused' | 'separate') => {
      const out = gpu.tensor([T, I], 'h');
      const rec = gpu.recorder();
      gatedProjection(gpu, rec, gpu.tensor([T, Kd], 'x', xs), gpu.tensor([I, Kd], 'g', gs), gpu.tensor([I, Kd], 'u', us), out, {
        kind: 'silu',
        kernel,
        gate: gpu.tensor([T, I], 'gate scratch'),
        up: gpu.tensor([T, I], 'up scratch'),
      });
      rec.submit();
      return gpu.read(out);
    };
    const fused = await run('fused');
    const separate = await run('separate');
    const d = maxAbsDiff(fused, separate);
    console.log(`gated fused vs separate: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(TOL * maxAbs(separate));
  });

  it('auto fuses at calibration shapes in exact mode, not for decode-sized T', async () => {
    const gpu = await testGpu();
    expect(fusesGateUp(gpu, 8192, 8192, 2048, 'exact', 'bf16')).toBe(true); // Llama-3.2-1B, [16, 512]
    expect(fusesGateUp(gpu, 8192, 4864, 896, undefined, 'bf16')).toBe(true); // Qwen2.5-0.5B
    expect(fusesGateUp(gpu, 1, 8192, 2048, 'exact', 'bf16')).toBe(false); // decode: the matvec kernel
    expect(fusesGateUp(gpu, 64, 64, 64, 'exact', 'f32')).toBe(false); // too few workgroups for the 128x128 tile
    expect(fusesGateUp(gpu, 8192, 8192, 2046, 'exact', 'bf16')).toBe(false); // Kd % 4 != 0
  });

  it('throws ShapeError on mismatched shapes, dtypes or one bias', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const x = gpu.tensor([4, 8], 'x');
    const scratch = { gate: gpu.tensor([4, 3], 'g'), up: gpu.tensor([4, 3], 'u') };
    const w = gpu.tensor([3, 8], 'w');
    expect(() => gatedProjection(gpu, rec, x, w, gpu.tensor([3, 4], 'u'), gpu.tensor([4, 3], 'h'), { kind: 'silu', ...scratch })).toThrow(ShapeError);
    expect(() => gatedProjection(gpu, rec, x, w, gpu.tensor([3, 8], 'u'), gpu.tensor([5, 3], 'h'), { kind: 'silu', ...scratch })).toThrow(ShapeError);
    expect(() => gatedProjection(gpu, rec, x, w, gpu.weight([3, 8], 'bf16', 'u'), gpu.tensor([4, 3], 'h'), { kind: 'silu', ...scratch })).toThrow(/dtype/);
    expect(() => gatedProjection(gpu, rec, x, w, gpu.tensor([3, 8], 'u'), gpu.tensor([4, 3], 'h'), { kind: 'silu', gateBias: gpu.tensor([3], 'b'), ...scratch })).toThrow(/bias/);
  });
});
