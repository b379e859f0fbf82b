// The chunked log-softmax (lseUpdate over vocabulary chunks + lseNll) against the CPU reference
// of the full-row NLL; the finish resets the state for the next pass.
import { describe, expect, it } from 'vitest';
import { logSoftmaxNllRef } from './cpu-reference';
import { lseInitialState, lseNll, lseUpdate } from './loss';
import { maxAbsDiff, randomArray, rng, testGpu } from './test-utils';

describe('chunked log-softmax NLL', () => {
  it.each<[number, number, number[], number | null]>([
    [5, 700, [700], null],
    [7, 700, [256, 256, 188], null],
    [3, 1000, [1, 499, 500], 30],
    [9, 64, [10, 20, 34], 5],
  ])('T=%i V=%i chunks %j softcap %s matches the full-row reference', async (T, V, chunks, softcap) => {
    const gpu = await testGpu();
    const logits = randomArray(T * V, T * V, -20, 20);
    const r = rng(T + V);
    const targets = Uint32Array.from({ length: T }, () => Math.floor(r() * V));
    const tg = gpu.u32Buffer(targets, 'targets');
    const state = gpu.tensor([T, 4], 'state', lseInitialState(T));
    const nll = gpu.tensor([T], 'nll');
    const rec = gpu.recorder();
    let col = 0;
    for (const Vc of chunks) {
      const part = new Float32Array(T * Vc);
      for (let t = 0; t < T; t++) part.set(logits.subarray(t * V + col, t * V + col + Vc), t * Vc);
      lseUpdate(gpu, rec, gpu.tensor([T, Vc], 'chunk', part), tg, state, { colOffset: col, softcap });
      col += Vc;
    }
    lseNll(gpu, rec, state, nll);
    rec.submit();
    const got = await gpu.read(nll);
    const ref = logSoftmaxNllRef(logits, T, V, targets, softcap);
    const d = maxAbsDiff(got, ref);
    console.log(`lse T=${T} V=${V} chunks ${chunks.join('+')}: max |nll - ref| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
    // the state was reset: a second run over the same chunks gives the same bits
    const again = gpu.tensor([T], 'again');
    const rec2 = gpu.recorder();
    col = 0;
    for (const Vc of chunks) {
      const part = new Float32Array(T * Vc);
      for (let t = 0; t < T; t++) part.set(logits.subarray(t * V + col, t * V + col + Vc), t * Vc);
      lseUpdate(gpu, rec2, gpu.tensor([T, Vc], 'chunk', part), tg, state, { colOffset: col, softcap });
      col += Vc;
    }
    lseNll(gpu, rec2, state, again);
    rec2.submit();
    expect(maxAbsDiff(await gpu.read(again), got)).toBe(0);
  });

  it('a target outside every chunk gives NaN (loud bad ids)', async () => {
    const gpu = await testGpu();
    const state = gpu.tensor([2, 4], 'state', lseInitialState(2));
    const nll = gpu.tensor([2], 'nll');
    const rec = gpu.recorder();
    lseUpdate(gpu, rec, gpu.tensor([2, 3], 'l', Float32Array.of(1, 2, 3, 4, 5, 6)), gpu.u32Buffer(Uint32Array.of(1, 7), 't'), state, { colOffset: 0 });
    lseNll(gpu, rec, state, nll);
    rec.submit();
    const got = await gpu.read(nll);
    expect(got[0]).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 2, 5);
    expect(Number.isNaN(got[1])).toBe(true);
  });
});
