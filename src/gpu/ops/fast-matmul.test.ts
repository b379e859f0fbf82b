// The tensor-core (fast mode) matmul where the device has subgroup matrices; elsewhere the same
// calls must fall back to the exact kernels and still pass (the checks run on the H200 through
// `compact-studio selftest`, see docs/bench).
import { describe, expect, it } from 'vitest';
import { fastMatmulChecks } from './kernel-checks';
import { testGpu } from './test-utils';

describe('fast-mode matmul', () => {
  it('matches the f64 reference within f16 rounding (rows beyond the f16 range included)', async () => {
    const gpu = await testGpu();
    const checks = await fastMatmulChecks(gpu);
    for (const c of checks) console.log(`${c.name}: worst error / tolerance ${c.worstRatio.toFixed(3)}, max |diff| ${c.maxAbsDiff.toExponential(2)} (${c.note})`);
    for (const c of checks) expect(c.ok, c.name).toBe(true);
  });
});

describe('row scales for the fast matmul', () => {
  it('picks 1 for rows within 16384 and the power of two that brings larger rows under it', async () => {
    const gpu = await testGpu();
    if (!gpu.hasSubgroups) return; // needs subgroups (SwiftShader and GPUs have them)
    const K = 36;
    const peaks = [0, 1, 16384, 16385, 65504, 1e5, 3e7, -2e5];
    const x = new Float32Array(peaks.length * K);
    peaks.forEach((p, t) => {
      for (let k = 0; k < K; k++) x[t * K + k] = ((k % 5) - 2) * 0.01;
      x[t * K + (t * 5) % K] = p;
    });
    const scale = gpu.u32Buffer(peaks.length, 'scale');
    const rec = gpu.recorder();
    const { recordRowScales } = await import('./matmul');
    recordRowScales(gpu, rec, gpu.tensor([peaks.length, K], 'x', x), scale);
    rec.submit();
    const got = new Float32Array((await gpu.readU32(scale, peaks.length)).buffer);
    const want = peaks.map((p) => (Math.abs(p) <= 16384 ? 1 : 2 ** -Math.ceil(Math.log2(Math.abs(p) / 16384))));
    console.log('row scales', Array.from(got).join(' '));
    expect(Array.from(got)).toEqual(want);
    for (let t = 0; t < peaks.length; t++) expect(Math.abs(peaks[t]) * got[t]).toBeLessThanOrEqual(16384);
  });
});
