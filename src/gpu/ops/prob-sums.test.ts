// probSums over vocabulary chunks (after lseUpdate folded every chunk) against the CPU reference.
import { describe, expect, it } from 'vitest';
import { lseInitialState, lseUpdate } from './loss';
import { probSums, probSumsRef } from './prob-sums';
import { randomArray, testGpu } from './test-utils';

describe('probSums', () => {
  it.each<[number, number, number[], number | null]>([
    [5, 700, [700], null],
    [7, 700, [256, 256, 188], null],
    [3, 1000, [1, 499, 500], 30],
    [40, 64, [10, 20, 34], 5],
  ])('T=%i V=%i chunks %j softcap %s: the softmax columns summed over rows', async (T, V, chunks, softcap) => {
    const gpu = await testGpu();
    const logits = randomArray(T * V, 7 * T + V, -12, 12);
    const tg = gpu.u32Buffer(new Uint32Array(T), 'targets (unused)');
    const state = gpu.tensor([T, 4], 'state', lseInitialState(T));
    const sums = gpu.tensor([V], 'sums');
    const parts = (() => {
      let col = 0;
      return chunks.map((Vc) => {
        const part = new Float32Array(T * Vc);
        for (let t = 0; t < T; t++) part.set(logits.subarray(t * V + col, t * V + col + Vc), t * Vc);
        const p = { col, t: gpu.tensor([T, Vc], 'chunk', part) };
        col += Vc;
        return p;
      });
    })();
    const rec = gpu.recorder();
    for (const p of parts) lseUpdate(gpu, rec, p.t, tg, state, { colOffset: p.col, softcap });
    // the second pass in two row halves (rowOffset), as the engine folds long batches
    const half = Math.ceil(T / 2);
    for (const p of parts) {
      const Vc = p.t.shape[1];
      probSums(gpu, rec, { ...p.t, shape: [half, Vc] }, state, sums, { colOffset: p.col, softcap });
      if (T > half) {
        const rest = gpu.tensor([T - half, Vc], 'rest', logitsRows(logits, V, p.col, Vc, half, T));
        probSums(gpu, rec, rest, state, sums, { colOffset: p.col, softcap, rowOffset: half });
      }
    }
    rec.submit();
    const got = await gpu.read(sums);
    const ref = probSumsRef(logits, T, V, softcap);
    let d = 0;
    for (let c = 0; c < V; c++) d = Math.max(d, Math.abs(got[c] - ref[c]));
    const total = got.reduce((a, b) => a + b, 0);
    console.log(`probSums T=${T} V=${V} chunks ${chunks.join('+')}: max |sum - ref| ${d.toExponential(2)}, total mass ${total.toFixed(5)} (T = ${T})`);
    expect(d).toBeLessThan(1e-5 * T);
    expect(Math.abs(total - T)).toBeLessThan(1e-4 * T);
  });

  it('refuses mismatched shapes', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    expect(() => probSums(gpu, rec, gpu.tensor([4, 10], 'l'), gpu.tensor([3, 4], 's'), gpu.tensor([10], 'sums'), { colOffset: 0 })).toThrow(/state must be/);
    expect(() => probSums(gpu, rec, gpu.tensor([4, 10], 'l'), gpu.tensor([4, 4], 's'), gpu.tensor([12], 'sums'), { colOffset: 5 })).toThrow(/sums must be/);
  });
});

/** rows r0..r1-1 of columns col..col+Vc of logits [T, V], as [r1 - r0, Vc]. */
function logitsRows(logits: Float32Array, V: number, col: number, Vc: number, r0: number, r1: number): Float32Array {
  const out = new Float32Array((r1 - r0) * Vc);
  for (let t = r0; t < r1; t++) out.set(logits.subarray(t * V + col, t * V + col + Vc), (t - r0) * Vc);
  return out;
}
