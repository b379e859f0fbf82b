import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors';
import { rmsNormRef, ropeRef } from './cpu-reference';
import { rmsNorm } from './norm';
import { rope } from './rope';
import { maxAbsDiff, randomArray, testGpu } from './test-utils';

describe('rmsNorm', () => {
  it.each([
    [1, 64, false],
    [7, 130, true],
    [33, 8, false],
    [3, 1000, true],
  ])('R=%i C=%i plusOne=%s matches the CPU reference (tol 1e-5 relative)', async (R, C, plusOne) => {
    const gpu = await testGpu();
    const xs = randomArray(R * C, R + C, -3, 3);
    const ws = randomArray(C, C, -1, 1);
    const out = gpu.tensor([R, C], 'out');
    const rec = gpu.recorder();
    rmsNorm(gpu, rec, gpu.tensor([R, C], 'x', xs), gpu.tensor([C], 'w', ws), out, { eps: 1e-5, plusOne });
    rec.submit();
    const d = maxAbsDiff(await gpu.read(out), rmsNormRef(xs, ws, R, C, 1e-5, plusOne));
    console.log(`rmsNorm R=${R} C=${C}: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
  });

  it('per-head norm views [T, H*E] as [T*H, E] (fixed case: [3,4] -> [3,4]/sqrt(12.5))', async () => {
    const gpu = await testGpu();
    const out = gpu.tensor([1, 4], 'out');
    const rec = gpu.recorder();
    rmsNorm(gpu, rec, gpu.tensor([1, 4], 'x', Float32Array.of(3, 4, 0, 2)), gpu.tensor([2], 'w', Float32Array.of(1, 1)), out, { eps: 0, plusOne: false, rows: 2 });
    rec.submit();
    const got = await gpu.read(out);
    expect(maxAbsDiff(got, [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5), 0, Math.SQRT2])).toBeLessThan(1e-6);
  });

  it('throws ShapeError for widths that do not divide x', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    expect(() => rmsNorm(gpu, rec, gpu.tensor([2, 5], 'x'), gpu.tensor([3], 'w'), gpu.tensor([2, 5], 'o'), { eps: 1e-6, plusOne: false })).toThrow(ShapeError);
  });
});

describe('rope', () => {
  const llamaInvFreq = (E: number, theta: number) => Float32Array.from({ length: E / 2 }, (_, i) => 1 / theta ** ((2 * i) / E));
  it.each([
    [6, 2, 8, 3, 0, 1],
    [64, 3, 16, 64, 0, 1],
    [4, 2, 64, 2, 1000, 0.9],
    [9, 1, 128, 9, 5, 1],
  ])('T=%i H=%i E=%i seqLen=%i offset=%i scaling=%f matches HF rotate_half', async (T, H, E, seqLen, offset, scaling) => {
    const gpu = await testGpu();
    const xs = randomArray(T * H * E, T * E, -2, 2);
    const inv = llamaInvFreq(E, 10000);
    const x = gpu.tensor([T, H * E], 'x', xs);
    const rec = gpu.recorder();
    rope(gpu, rec, x, { heads: H, headDim: E, seqLen, positionOffset: offset, invFreq: gpu.tensor([E / 2], 'inv', inv), attentionScaling: scaling });
    rec.submit();
    const d = maxAbsDiff(await gpu.read(x), ropeRef(xs, T, H, E, seqLen, offset, inv, scaling));
    console.log(`rope T=${T} E=${E} offset=${offset}: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
  });

  it('fixed case: position 1, inv_freq 1 rotates (1, 0) to (cos 1, sin 1)', async () => {
    const gpu = await testGpu();
    const x = gpu.tensor([2, 2], 'x', Float32Array.of(1, 0, 1, 0));
    const rec = gpu.recorder();
    rope(gpu, rec, x, { heads: 1, headDim: 2, seqLen: 2, invFreq: gpu.tensor([1], 'inv', Float32Array.of(1)), attentionScaling: 1 });
    rec.submit();
    expect(maxAbsDiff(await gpu.read(x), [1, 0, Math.cos(1), Math.sin(1)])).toBeLessThan(1e-6);
  });

  it('throws ShapeError for a wrong invFreq or width', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const inv = gpu.tensor([4], 'inv');
    expect(() => rope(gpu, rec, gpu.tensor([2, 16], 'x'), { heads: 2, headDim: 8, seqLen: 2, invFreq: gpu.tensor([3], 'i'), attentionScaling: 1 })).toThrow(ShapeError);
    expect(() => rope(gpu, rec, gpu.tensor([2, 15], 'x'), { heads: 2, headDim: 8, seqLen: 2, invFreq: inv, attentionScaling: 1 })).toThrow(ShapeError);
  });
});
