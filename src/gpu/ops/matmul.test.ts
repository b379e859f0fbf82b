import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors';
import { matmul } from './matmul';
import { matmulRef } from './cpu-reference';
import { maxAbs, maxAbsDiff, randomArray, testGpu } from './test-utils';

/** y = x w^T (+ b) in float64 from the f32 inputs: the reference the GPU's f32 sums are held to. */
function matmulF64(x: Float32Array, w: Float32Array, T: number, N: number, Kd: number, bias?: Float32Array): Float64Array {
  const y = new Float64Array(T * N);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n] : 0;
      for (let k = 0; k < Kd; k++) s += x[t * Kd + k] * w[n * Kd + k];
      y[t * N + n] = s;
    }
  return y;
}

// |got - ref| <= ATOL * max|ref| + RTOL * |ref| for every element. f32 accumulation over
// Kd <= 256 terms of size <= 1 errs by ~1e-6 of the output scale (max seen is printed);
// a 1e-4 relative error breaks the bound on the largest outputs (checked below).
const RTOL = 1e-5;
const ATOL = 1e-6;
/** Worst |got - ref| / (ATOL * max|ref| + RTOL * |ref|): <= 1 passes. */
function tolRatio(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  const scale = maxAbs(ref);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d / (ATOL * scale + RTOL * Math.abs(ref[i])));
  }
  return worst;
}

describe('matmul', () => {
  const cases: Array<[number, number, number, boolean, string]> = [
    [1, 37, 64, false, 'matvec T=1'],
    [5, 130, 172, true, 'matvec T=5 + bias'],
    [8, 64, 8, false, 'matvec T=8 Kd=8'],
    [9, 67, 36, true, 'tiled odd T/N'],
    [70, 129, 172, false, 'tiled stories FFN Kd=172'],
    [256, 256, 256, false, 'tiled 256^3'],
    [17, 33, 13, true, 'naive Kd=13'],
    [3, 10, 6, false, 'naive Kd=6 small T'],
  ];
  it.each(cases)('T=%i N=%i Kd=%i bias=%s (%s) matches the CPU reference', async (T, N, Kd, withBias) => {
    const gpu = await testGpu();
    const xs = randomArray(T * Kd, T * 7 + 1);
    const ws = randomArray(N * Kd, N * 13 + 2);
    const bs = randomArray(N, 3);
    const x = gpu.tensor([T, Kd], 'x', xs);
    const w = gpu.tensor([N, Kd], 'w', ws);
    const bias = withBias ? gpu.tensor([N], 'b', bs) : undefined;
    const out = gpu.tensor([T, N], 'out');
    const rec = gpu.recorder();
    matmul(gpu, rec, x, w, out, { bias });
    rec.submit();
    const got = await gpu.read(out);
    const ref = matmulF64(xs, ws, T, N, Kd, withBias ? bs : undefined);
    const ratio = tolRatio(got, ref);
    console.log(`matmul T=${T} N=${N} Kd=${Kd}: max abs diff ${maxAbsDiff(got, ref).toExponential(2)} (max |ref| ${maxAbs(ref).toFixed(2)}), ${ratio.toFixed(3)} of the tolerance`);
    expect(ratio).toBeLessThanOrEqual(1);
    // the check can fail: the same reference off by 1e-4 relative does not pass it
    expect(tolRatio(ref.map((v) => v * (1 + 1e-4)), ref)).toBeGreaterThan(1);
  });

  it('matmulRef (f32 output, used by other tests) is the f64 product rounded once', () => {
    const [T, N, Kd] = [7, 9, 172];
    const xs = randomArray(T * Kd, 41);
    const ws = randomArray(N * Kd, 42);
    expect(Array.from(matmulRef(xs, ws, T, N, Kd))).toEqual(Array.from(Float32Array.from(matmulF64(xs, ws, T, N, Kd))));
  });

  // The 128x128 kernel is picked only for big shapes: force it on small ones (odd edges, K not a multiple of BK).
  const bigCases: Array<[number, number, number, boolean, 8 | 16]> = [
    [130, 200, 36, true, 8],
    [9, 131, 172, false, 16],
    [256, 128, 64, false, 8],
  ];
  it.each(bigCases)('128x128 kernel T=%i N=%i Kd=%i bias=%s BK=%i matches the CPU reference', async (T, N, Kd, withBias, tileK) => {
    const gpu = await testGpu();
    const xs = randomArray(T * Kd, T + 5);
    const ws = randomArray(N * Kd, N + 6);
    const bs = randomArray(N, 7);
    const [Nout, off] = [N + 3, 2];
    const out = gpu.tensor([T, Nout], 'out', new Float32Array(T * Nout).fill(7));
    const rec = gpu.recorder();
    const bias = withBias ? gpu.tensor([N], 'b', bs) : undefined;
    matmul(gpu, rec, gpu.tensor([T, Kd], 'x', xs), gpu.tensor([N, Kd], 'w', ws), out, { bias, outColOffset: off, kernel: 'tile128', tileK });
    rec.submit();
    const got = await gpu.read(out);
    const ref = matmulF64(xs, ws, T, N, Kd, withBias ? bs : undefined);
    const expected = new Float64Array(T * Nout).fill(7);
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) expected[t * Nout + off + n] = ref[t * N + n];
    const ratio = tolRatio(got, expected);
    console.log(`tile128 T=${T} N=${N} Kd=${Kd} BK=${tileK}: max abs diff ${maxAbsDiff(got, expected).toExponential(2)}, ${ratio.toFixed(3)} of the tolerance`);
    expect(ratio).toBeLessThanOrEqual(1);
  });

  it('writes a column block at outColOffset and leaves other columns alone (vocab split)', async () => {
    const gpu = await testGpu();
    for (const T of [2, 20]) {
      const [N, Kd, Nout, off] = [12, 16, 30, 9];
      const xs = randomArray(T * Kd, 11);
      const ws = randomArray(N * Kd, 12);
      const out = gpu.tensor([T, Nout], 'out', new Float32Array(T * Nout).fill(7));
      const rec = gpu.recorder();
      matmul(gpu, rec, gpu.tensor([T, Kd], 'x', xs), gpu.tensor([N, Kd], 'w', ws), out, { outColOffset: off });
      rec.submit();
      const got = await gpu.read(out);
      const ref = matmulRef(xs, ws, T, N, Kd);
      const expected = new Float32Array(T * Nout).fill(7);
      for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) expected[t * Nout + off + n] = ref[t * N + n];
      expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
    }
  });

  it('fixed case: [[1,2,3,4]] x [[1,0,0,0],[0,1,1,0.5]]^T + [10, 20] = [[11, 27]]', async () => {
    const gpu = await testGpu();
    const out = gpu.tensor([1, 2], 'out');
    const rec = gpu.recorder();
    matmul(gpu, rec, gpu.tensor([1, 4], 'x', Float32Array.of(1, 2, 3, 4)), gpu.tensor([2, 4], 'w', Float32Array.of(1, 0, 0, 0, 0, 1, 1, 0.5)), out, {
      bias: gpu.tensor([2], 'b', Float32Array.of(10, 20)),
    });
    rec.submit();
    expect(Array.from(await gpu.read(out))).toEqual([11, 27]);
  });

  it('throws ShapeError on mismatched shapes', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const x = gpu.tensor([4, 8], 'x');
    expect(() => matmul(gpu, rec, x, gpu.tensor([3, 7], 'w'), gpu.tensor([4, 3], 'o'))).toThrow(ShapeError);
    expect(() => matmul(gpu, rec, x, gpu.tensor([3, 8], 'w'), gpu.tensor([5, 3], 'o'))).toThrow(ShapeError);
    expect(() => matmul(gpu, rec, x, gpu.tensor([3, 8], 'w'), gpu.tensor([4, 3], 'o'), { outColOffset: 1 })).toThrow(ShapeError);
    expect(() => matmul(gpu, rec, x, gpu.tensor([3, 8], 'w'), gpu.tensor([4, 3], 'o'), { bias: gpu.tensor([4], 'b') })).toThrow(/bias/);
  });
});
