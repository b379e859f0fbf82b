import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors';
import { attention } from './attention';
import { attentionRef, type AttentionRefOptions } from './cpu-reference';
import { maxAbsDiff, randomArray, testGpu } from './test-utils';

async function runCase(T: number, Tk: number, o: AttentionRefOptions, seed: number): Promise<number> {
  const gpu = await testGpu();
  const qs = randomArray(T * o.H * o.E, seed, -2, 2);
  const ks = randomArray(Tk * o.K * o.E, seed + 1, -2, 2);
  const vs = randomArray(Tk * o.K * o.E, seed + 2, -1, 1);
  const out = gpu.tensor([T, o.H * o.E], 'out');
  const rec = gpu.recorder();
  attention(gpu, rec, gpu.tensor([T, o.H * o.E], 'q', qs), gpu.tensor([Tk, o.K * o.E], 'k', ks), gpu.tensor([Tk, o.K * o.E], 'v', vs), out, {
    heads: o.H,
    kvHeads: o.K,
    headDim: o.E,
    seqLen: o.seqLen,
    scale: o.scale,
    softcap: o.softcap,
    slidingWindow: o.slidingWindow,
    kvLen: o.kvLen,
  });
  rec.submit();
  return maxAbsDiff(await gpu.read(out), attentionRef(qs, ks, vs, T, Tk, o));
}

describe('attention', () => {
  const cases: Array<[string, number, number, AttentionRefOptions]> = [
    ['MHA one sequence', 5, 5, { H: 2, K: 2, E: 8, seqLen: 5, scale: 8 ** -0.5 }],
    ['GQA 2 sequences, >1 query block', 2 * 70, 2 * 70, { H: 4, K: 2, E: 8, seqLen: 70, scale: 0.25 }],
    ['softcap + sliding window', 2 * 20, 2 * 20, { H: 2, K: 1, E: 8, seqLen: 20, scale: 0.3, softcap: 5, slidingWindow: 4 }],
    ['window larger than the sequence', 33, 33, { H: 2, K: 1, E: 8, seqLen: 33, scale: 0.125, slidingWindow: 100 }],
    ['decode: 1 query over a 9-key cache of 12 rows, 2 sequences', 2, 24, { H: 4, K: 2, E: 8, seqLen: 1, kvLen: 9, scale: 0.4 }],
    ['decode kernel: 3 queries, kvLen 7, E=128', 3, 10, { H: 2, K: 1, E: 128, seqLen: 3, kvLen: 7, scale: 128 ** -0.5 }],
    ['decode kernel: kvLen 300 (3 key chunks), softcap, window 200', 2, 2 * 300, { H: 2, K: 1, E: 16, seqLen: 1, kvLen: 300, scale: 0.3, softcap: 4, slidingWindow: 200 }],
    ['128-query blocks: 2 sequences of 300 (3 blocks, the last partial), E=64', 600, 600, { H: 2, K: 1, E: 64, seqLen: 300, scale: 0.125 }],
    ['128-query blocks with a window of 200 and softcap, E=64', 300, 300, { H: 2, K: 2, E: 64, seqLen: 300, scale: 0.125, softcap: 6, slidingWindow: 200 }],
    ['prefill kernel with a cache: 6 queries, kvLen 10, E=128 (2 threads per query)', 6, 12, { H: 2, K: 2, E: 128, seqLen: 6, kvLen: 10, scale: 0.1 }],
  ];
  it.each(cases)('%s matches the CPU reference (tol 2e-5)', async (name, T, Tk, o) => {
    const d = await runCase(T, Tk, o, T + Tk + o.E);
    console.log(`attention ${name}: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
  });

  it('fixed case: the first query sees only itself, so out row 0 = v row 0', async () => {
    const gpu = await testGpu();
    const v = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const out = gpu.tensor([2, 4], 'out');
    const rec = gpu.recorder();
    const q = gpu.tensor([2, 4], 'q', Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0));
    const k = gpu.tensor([2, 4], 'k', Float32Array.of(0, 0, 0, 0, 0, 0, 0, 0));
    attention(gpu, rec, q, k, gpu.tensor([2, 4], 'v', v), out, { heads: 1, kvHeads: 1, headDim: 4, seqLen: 2, scale: 1 });
    rec.submit();
    // row 1: equal scores over keys 0 and 1 -> mean of the two v rows
    expect(maxAbsDiff(await gpu.read(out), [1, 2, 3, 4, 3, 4, 5, 6])).toBeLessThan(1e-6);
  });

  it('throws ShapeError for bad head splits and cache sizes', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const q = gpu.tensor([4, 24], 'q');
    const kv = gpu.tensor([4, 8], 'kv');
    const o = gpu.tensor([4, 24], 'o');
    expect(() => attention(gpu, rec, q, kv, kv, o, { heads: 3, kvHeads: 2, headDim: 8, seqLen: 4, scale: 1 })).toThrow(ShapeError);
    expect(() => attention(gpu, rec, q, kv, kv, o, { heads: 3, kvHeads: 1, headDim: 8, seqLen: 3, scale: 1 })).toThrow(ShapeError);
    expect(() => attention(gpu, rec, q, kv, kv, o, { heads: 3, kvHeads: 1, headDim: 8, seqLen: 4, kvLen: 5, scale: 1 })).toThrow(ShapeError);
  });
});
