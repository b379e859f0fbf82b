import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors';
import {
  activationRef,
  argmaxRowsRef,
  embeddingRef,
  ffnStatsRef,
  gatedActivationRef,
  gatherColsRef,
  gatherRowsRef,
  logSoftmaxNllRef,
} from './cpu-reference';
import { addInPlace, gatedActivation, type GatedKind } from './elementwise';
import { embedding } from './embedding';
import { ffnStats } from './ffn-stats';
import { gatherCols, gatherRows } from './gather';
import { argmaxRows, lseInitialState, lseNll, lseUpdate } from './loss';
import type { Gpu, Recorder } from '../context';
import type { Tensor } from '../tensor';
import { maxAbs, maxAbsDiff, randomArray, rng, testGpu } from './test-utils';

const randomIds = (n: number, below: number, seed: number) => {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => Math.floor(r() * below));
};

describe('gatedActivation / addInPlace', () => {
  it.each<[GatedKind, number]>([
    ['silu', 1000],
    ['gelu_tanh', 333],
    ['gelu', 517],
  ])('%s over %i values in [-12, 12] matches the CPU reference (tol 2e-6 * scale)', async (kind, n) => {
    const gpu = await testGpu();
    const g = randomArray(n, n, -12, 12);
    const u = randomArray(n, n + 1, -2, 2);
    const out = gpu.tensor([n], 'out');
    const rec = gpu.recorder();
    gatedActivation(gpu, rec, gpu.tensor([n], 'g', g), gpu.tensor([n], 'u', u), out, kind);
    rec.submit();
    const ref = gatedActivationRef(g, u, kind);
    const d = maxAbsDiff(await gpu.read(out), ref);
    console.log(`${kind}: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-6 * maxAbs(ref));
  });

  it('fixed case: silu(1) * 2, gelu(1), gelu_tanh(-1); acc += b', async () => {
    const gpu = await testGpu();
    const outs = { silu: gpu.tensor([1], 's'), gelu: gpu.tensor([1], 'g'), gelu_tanh: gpu.tensor([1], 't') };
    const acc = gpu.tensor([3], 'acc', Float32Array.of(1, 2, 3));
    const rec = gpu.recorder();
    gatedActivation(gpu, rec, gpu.tensor([1], 'a', Float32Array.of(1)), gpu.tensor([1], 'b', Float32Array.of(2)), outs.silu, 'silu');
    gatedActivation(gpu, rec, gpu.tensor([1], 'a', Float32Array.of(1)), gpu.tensor([1], 'b', Float32Array.of(1)), outs.gelu, 'gelu');
    gatedActivation(gpu, rec, gpu.tensor([1], 'a', Float32Array.of(-1)), gpu.tensor([1], 'b', Float32Array.of(1)), outs.gelu_tanh, 'gelu_tanh');
    addInPlace(gpu, rec, acc, gpu.tensor([3], 'b', Float32Array.of(10, 20, 30)));
    rec.submit();
    expect((await gpu.read(outs.silu))[0]).toBeCloseTo(2 / (1 + Math.exp(-1)), 6);
    expect((await gpu.read(outs.gelu))[0]).toBeCloseTo(0.8413447460685429, 6);
    expect((await gpu.read(outs.gelu_tanh))[0]).toBeCloseTo(activationRef(-1, 'gelu_tanh'), 6);
    expect(Array.from(await gpu.read(acc))).toEqual([11, 22, 33]);
  });

  it('throws ShapeError on shape mismatch or aliasing', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const a = gpu.tensor([2, 3], 'a');
    expect(() => addInPlace(gpu, rec, a, gpu.tensor([3, 2], 'b'))).toThrow(ShapeError);
    expect(() => addInPlace(gpu, rec, a, a)).toThrow(ShapeError);
    expect(() => gatedActivation(gpu, rec, a, gpu.tensor([2, 3], 'u'), gpu.tensor([6], 'o'), 'silu')).toThrow(ShapeError);
  });
});

describe('embedding', () => {
  it.each([
    [7, 50, 12, 0, 1],
    [20, 33, 5, 10, 2.5],
  ])('T=%i Vc=%i D=%i rowOffset=%i scale=%f copies rows, leaves outside ids untouched', async (T, Vc, D, rowOffset, scale) => {
    const gpu = await testGpu();
    const table = randomArray(Vc * D, Vc);
    const ids = randomIds(T, Vc + rowOffset + 5, T);
    const prior = new Float32Array(T * D).fill(-9);
    const out = gpu.tensor([T, D], 'out', prior);
    const rec = gpu.recorder();
    embedding(gpu, rec, gpu.tensor([Vc, D], 'table', table), gpu.u32Buffer(ids, 'ids'), out, { scale, rowOffset });
    rec.submit();
    const d = maxAbsDiff(await gpu.read(out), embeddingRef(table, Vc, D, ids, prior, scale, rowOffset));
    console.log(`embedding T=${T}: max abs diff ${d}`);
    expect(d).toBeLessThan(1e-6);
  });

  it('fixed case: two table blocks fill one output (ids 0..3, blocks of 2 rows)', async () => {
    const gpu = await testGpu();
    const out = gpu.tensor([4, 1], 'out');
    const ids = gpu.u32Buffer(Uint32Array.of(3, 0, 2, 1), 'ids');
    const rec = gpu.recorder();
    embedding(gpu, rec, gpu.tensor([2, 1], 'lo', Float32Array.of(10, 11)), ids, out);
    embedding(gpu, rec, gpu.tensor([2, 1], 'hi', Float32Array.of(12, 13)), ids, out, { rowOffset: 2 });
    rec.submit();
    expect(Array.from(await gpu.read(out))).toEqual([13, 10, 12, 11]);
  });

  it('throws ShapeError when ids are too few or widths differ', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    expect(() => embedding(gpu, rec, gpu.tensor([4, 3], 't'), gpu.u32Buffer(2, 'ids'), gpu.tensor([3, 3], 'o'))).toThrow(ShapeError);
    expect(() => embedding(gpu, rec, gpu.tensor([4, 3], 't'), gpu.u32Buffer(3, 'ids'), gpu.tensor([3, 4], 'o'))).toThrow(ShapeError);
  });
});

/** The engine's NLL for logits in one chunk: a fresh log-softmax state, one fold, then the finish. */
function nllOneChunk(gpu: Gpu, rec: Recorder, logits: Tensor, targets: GPUBuffer, nll: Tensor, opts: { softcap?: number | null } = {}): void {
  const T = logits.shape[0];
  const state = gpu.tensor([T, 4], 'lse state', lseInitialState(T));
  lseUpdate(gpu, rec, logits, targets, state, { colOffset: 0, softcap: opts.softcap });
  lseNll(gpu, rec, state, nll);
}

describe('NLL (one chunk) / argmaxRows', () => {
  it.each([
    [3, 10, null],
    [9, 1001, null],
    [4, 517, 30],
  ])('T=%i V=%i softcap=%s matches the CPU reference (tol 2e-5)', async (T, V, softcap) => {
    const gpu = await testGpu();
    const logits = randomArray(T * V, V, -40, 40);
    const targets = randomIds(T, V, T + V);
    const nll = gpu.tensor([T], 'nll');
    const am = gpu.u32Buffer(T, 'argmax');
    const lt = gpu.tensor([T, V], 'logits', logits);
    const rec = gpu.recorder();
    nllOneChunk(gpu, rec, lt, gpu.u32Buffer(targets, 'targets'), nll, { softcap });
    argmaxRows(gpu, rec, lt, am);
    rec.submit();
    const d = maxAbsDiff(await gpu.read(nll), logSoftmaxNllRef(logits, T, V, targets, softcap));
    console.log(`nll T=${T} V=${V}: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
    expect(Array.from(await gpu.readU32(am, T))).toEqual(Array.from(argmaxRowsRef(logits, T, V)));
  });

  it('fixed case: uniform row of 4 gives ln 4; large logits stay finite; out-of-range target is NaN; ties pick the first', async () => {
    const gpu = await testGpu();
    const lt = gpu.tensor([3, 4], 'logits', Float32Array.of(0, 0, 0, 0, 1000, 999, 0, 5, 2, 7, 7, 1));
    const nll = gpu.tensor([3], 'nll');
    const am = gpu.u32Buffer(3, 'am');
    const rec = gpu.recorder();
    nllOneChunk(gpu, rec, lt, gpu.u32Buffer(Uint32Array.of(2, 1, 4), 't'), nll);
    argmaxRows(gpu, rec, lt, am);
    rec.submit();
    const got = await gpu.read(nll);
    expect(got[0]).toBeCloseTo(Math.log(4), 6);
    expect(got[1]).toBeCloseTo(1 + Math.log(1 + Math.exp(-1)), 5);
    expect(got[2]).toBeNaN();
    expect(Array.from(await gpu.readU32(am, 3))).toEqual([0, 0, 1]);
  });

  it('throws ShapeError for a wrong nll shape or too few targets', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const lt = gpu.tensor([3, 4], 'l');
    expect(() => lseNll(gpu, rec, gpu.tensor([3, 4], 's'), gpu.tensor([4], 'n'))).toThrow(ShapeError);
    expect(() => lseUpdate(gpu, rec, lt, gpu.u32Buffer(2, 't'), gpu.tensor([3, 4], 's'), { colOffset: 0 })).toThrow(ShapeError);
    expect(() => argmaxRows(gpu, rec, lt, gpu.u32Buffer(2, 'o'))).toThrow(ShapeError);
  });
});

describe('ffnStats', () => {
  it.each([
    [5, 172],
    [130, 37],
    [700, 65], // three row chunks, the last one partial
  ])('T=%i I=%i accumulates weighted and plain act^2 over two calls', async (T, I) => {
    const gpu = await testGpu();
    const h = randomArray(T * I, T * I, -3, 3);
    const wts = Float32Array.from(randomIds(T, 2, T), Number);
    const sw = gpu.tensor([I], 'sw');
    const sa = gpu.tensor([I], 'sa');
    const ht = gpu.tensor([T, I], 'h', h);
    const wt = gpu.tensor([T], 'w', wts);
    const rec = gpu.recorder();
    ffnStats(gpu, rec, ht, wt, sw, sa);
    ffnStats(gpu, rec, ht, wt, sw, sa);
    rec.submit();
    const ref = ffnStatsRef(h, T, I, wts);
    const twice = (a: Float32Array) => a.map((v) => 2 * v);
    const d = Math.max(maxAbsDiff(await gpu.read(sw), twice(ref.sumWeighted)), maxAbsDiff(await gpu.read(sa), twice(ref.sumAll)));
    console.log(`ffnStats T=${T} I=${I}: max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-6 * T * 9 * 2);
  });

  it('fixed case: h = [[1, 2], [3, 4]], weight [1, 0] -> weighted [1, 4], all [10, 20]', async () => {
    const gpu = await testGpu();
    const sw = gpu.tensor([2], 'sw');
    const sa = gpu.tensor([2], 'sa');
    const rec = gpu.recorder();
    ffnStats(gpu, rec, gpu.tensor([2, 2], 'h', Float32Array.of(1, 2, 3, 4)), gpu.tensor([2], 'w', Float32Array.of(1, 0)), sw, sa);
    rec.submit();
    expect(Array.from(await gpu.read(sw))).toEqual([1, 4]);
    expect(Array.from(await gpu.read(sa))).toEqual([10, 20]);
  });

  it('throws ShapeError for mismatched weight or sums', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const h = gpu.tensor([3, 4], 'h');
    expect(() => ffnStats(gpu, rec, h, gpu.tensor([4], 'w'), gpu.tensor([4], 'a'), gpu.tensor([4], 'b'))).toThrow(ShapeError);
    expect(() => ffnStats(gpu, rec, h, gpu.tensor([3], 'w'), gpu.tensor([3], 'a'), gpu.tensor([4], 'b'))).toThrow(ShapeError);
  });
});

describe('gatherRows / gatherCols', () => {
  it.each([
    [13, 7, 5],
    [40, 33, 17],
  ])('R=%i C=%i picking %i rows and columns matches the CPU reference', async (R, C, n) => {
    const gpu = await testGpu();
    const src = randomArray(R * C, R * C);
    const rowIdx = randomIds(n, R, R);
    const colIdx = randomIds(n, C, C);
    const st = gpu.tensor([R, C], 'src', src);
    const rows = gpu.tensor([n, C], 'rows');
    const cols = gpu.tensor([R, n], 'cols');
    const rec = gpu.recorder();
    gatherRows(gpu, rec, st, gpu.u32Buffer(rowIdx, 'ri'), rows);
    gatherCols(gpu, rec, st, gpu.u32Buffer(colIdx, 'ci'), cols);
    rec.submit();
    expect(maxAbsDiff(await gpu.read(rows), gatherRowsRef(src, R, C, rowIdx))).toBe(0);
    expect(maxAbsDiff(await gpu.read(cols), gatherColsRef(src, R, C, colIdx))).toBe(0);
  });

  it('fixed case: rows [2, 0] and cols [1] of [[1,2],[3,4],[5,6]]', async () => {
    const gpu = await testGpu();
    const st = gpu.tensor([3, 2], 'src', Float32Array.of(1, 2, 3, 4, 5, 6));
    const rows = gpu.tensor([2, 2], 'rows');
    const cols = gpu.tensor([3, 1], 'cols');
    const rec = gpu.recorder();
    gatherRows(gpu, rec, st, gpu.u32Buffer(Uint32Array.of(2, 0), 'ri'), rows);
    gatherCols(gpu, rec, st, gpu.u32Buffer(Uint32Array.of(1), 'ci'), cols);
    rec.submit();
    expect(Array.from(await gpu.read(rows))).toEqual([5, 6, 1, 2]);
    expect(Array.from(await gpu.read(cols))).toEqual([2, 4, 6]);
  });

  it('throws ShapeError for mismatched outputs', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    const st = gpu.tensor([3, 2], 'src');
    expect(() => gatherRows(gpu, rec, st, gpu.u32Buffer(2, 'i'), gpu.tensor([2, 3], 'o'))).toThrow(ShapeError);
    expect(() => gatherCols(gpu, rec, st, gpu.u32Buffer(1, 'i'), gpu.tensor([2, 1], 'o'))).toThrow(ShapeError);
    expect(() => gatherCols(gpu, rec, st, gpu.u32Buffer(1, 'i'), gpu.tensor([3, 2], 'o'))).toThrow(ShapeError);
  });
});
