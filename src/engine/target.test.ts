// The automatic allocation's rule on a fake host (no GPU): candidates = splits x orders, the
// lowest selection bits/byte within the budget wins, the host's options come back unchanged.
import { describe, expect, it } from 'vitest';
import { splitsUnder } from '../prune/params';
import { bestCandidate, searchTarget, splitSelectionTail, type SelectionOptions, type TargetHost } from './target';
import type { SweepPoint } from './types';

const V = 100;
const I = 60;
// a linear cost: 10 per vocabulary row, 7 per FFN channel, 50 fixed
const params = (v: number, i: number) => 10 * v + 7 * i + 50;

function fakeHost(bpb: (order: string, v: number, i: number) => number) {
  let opts: SelectionOptions = { vocabOrder: 'frequency', criterion: 'common-act2', closure: true };
  const evaluated: string[] = [];
  const host: TargetHost = {
    vocabSize: V,
    selectionOptions: () => opts,
    setOptions: (o) => { opts = o; },
    splits: (budget, shares) => splitsUnder(budget.kind === 'params' ? params : (v, i) => 2 * params(v, i), V, I, 30, budget.max, shares),
    planSummary: (req) => ({
      ...req, params: { embedding: 0, lmHead: 0, attention: 0, ffn: 0, norms: 0, total: params(req.vocabKeep, req.ffnKeep) },
      fileBytes: 2 * params(req.vocabKeep, req.ffnKeep), gpuBytes: 0, keptByReason: { special: 0, byte: 0, ranked: 0, closure: 0 },
    }),
    evaluate: async (req, _text, _o, _p, _mode) => {
      evaluated.push(`${opts.vocabOrder}/${req.vocabKeep}/${req.ffnKeep}`);
      const b = bpb(opts.vocabOrder, req.vocabKeep, req.ffnKeep);
      return { tokens: 10, windows: 1, predicted: 9, mean_nll: b, ppl: Math.exp(b), bits_per_byte: b, bytes: 20 };
    },
    calibrationMode: () => 'exact',
  };
  return { host, evaluated, options: () => opts };
}

describe('splitsUnder', () => {
  it('every split stays within the budget, rows capped at the removable ones, repeats once', () => {
    const max = params(V, I) - 200; // remove at least 200
    const splits = splitsUnder(params, V, I, 30, max);
    for (const s of splits) expect(params(s.vocabKeep, s.ffnKeep)).toBeLessThanOrEqual(max);
    expect(splits[0]).toEqual({ vocabKeep: V, ffnKeep: I - 29, share: 0 }); // ceil(200 / 7) channels
    expect(splits.at(-1)).toEqual({ vocabKeep: V - 20, ffnKeep: I, share: 1 }); // 20 rows
    expect(new Set(splits.map((s) => `${s.vocabKeep}/${s.ffnKeep}`)).size).toBe(splits.length);
    // 1000 to remove: at most 70 rows (700), so every share keeps the FFN part possible or is left out
    const big = splitsUnder(params, V, I, 30, params(V, I) - 1000);
    for (const s of big) expect(V - s.vocabKeep).toBeLessThanOrEqual(70);
    expect(big.every((s) => s.ffnKeep >= 1)).toBe(true);
    expect(splitsUnder(params, V, I, 30, params(V, I) + 5)).toEqual([{ vocabKeep: V, ffnKeep: I, share: 0 }]);
  });
});

describe('searchTarget', () => {
  it('evaluates splits x orders (the whole vocabulary once), picks the lowest, restores the options', async () => {
    // id order is better for small vocabularies; the FFN costs more than rows
    const { host, evaluated, options } = fakeHost((order, v, i) => 1 + (I - i) * 0.05 + (V - v) * (order === 'id' ? 0.001 : 0.002));
    const budget = { kind: 'params' as const, max: params(V, I) - 200 };
    const steps: number[] = [];
    const r = await searchTarget(host, { budget, selectText: 'some held-out text', eval: { tokens: 100, seq: 10 } }, (p) => steps.push(p.done));
    const splits = splitsUnder(params, V, I, 30, budget.max);
    // rankings: predicted, frequency over the whole text, over the windows, id; share 0 keeps every token: one evaluation
    expect(r.points.length).toBe(4 * splits.length - 3);
    expect(r.points.filter((p) => p.order === 'predicted').every((p) => p.countSpan === undefined)).toBe(true);
    expect(evaluated.filter((e) => e.startsWith(`id/${V}/`))).toEqual([]);
    expect(r.points.filter((p) => p.order === 'frequency' && p.countSpan === 'windows').length).toBe(splits.length - 1);
    expect(r.points.filter((p) => p.order === 'id').every((p) => p.countSpan === undefined)).toBe(true);
    expect(r.best?.order).toBe('id');
    expect(r.best?.share).toBe(1);
    expect(r.best?.bits_per_byte).toBe(Math.min(...r.points.map((p) => p.bits_per_byte)));
    expect(r.points.every((p) => p.params <= budget.max && p.criterion === 'common-act2' && p.closure)).toBe(true);
    expect(options()).toEqual({ vocabOrder: 'frequency', criterion: 'common-act2', closure: true });
    expect(steps.at(-1)).toBe(r.points.length);
  });

  it('a byte budget uses file bytes; one order when asked; options restored after a failure', async () => {
    const { host, options } = fakeHost((_o, v, i) => v + i);
    const budget = { kind: 'bytes' as const, max: 2 * params(V, I) - 400 };
    const r = await searchTarget(host, { budget, selectText: 'text', eval: { tokens: 100, seq: 10 }, orders: ['id'] });
    expect(r.points.every((p) => p.order === 'id' && p.fileBytes <= budget.max)).toBe(true);
    const failing = fakeHost(() => { throw new Error('device lost'); });
    failing.host.setOptions({ vocabOrder: 'id', criterion: 'act2', closure: false });
    await expect(searchTarget(failing.host, { budget, selectText: 'text', eval: { tokens: 1, seq: 2 } })).rejects.toThrow('device lost');
    expect(failing.options()).toEqual({ vocabOrder: 'id', criterion: 'act2', closure: false });
    expect(options().vocabOrder).toBe('frequency');
    await expect(searchTarget(host, { budget, selectText: '  ', eval: { tokens: 1, seq: 2 } })).rejects.toThrow(/selection text is empty/);
  });

  it('criteria are a third axis; the winner names its criterion', async () => {
    let criterion = 'common-act2';
    const { host } = fakeHost((_order, v, i) => 1 + (I - i) * (criterion === 'output-act2' ? 0.01 : 0.05) + (V - v) * 0.05);
    const setOptions = host.setOptions;
    host.setOptions = (o) => { criterion = o.criterion; setOptions(o); };
    const budget = { kind: 'params' as const, max: params(V, I) - 200 };
    const one = await searchTarget(host, { budget, selectText: 'text', eval: { tokens: 1, seq: 2 } });
    const two = await searchTarget(host, { budget, selectText: 'text', eval: { tokens: 1, seq: 2 }, criteria: ['common-act2', 'output-act2'] });
    expect(two.points.length).toBe(2 * one.points.length);
    expect(two.best?.criterion).toBe('output-act2');
    expect(two.best!.bits_per_byte).toBeLessThan(one.best!.bits_per_byte);
    expect(host.selectionOptions().criterion).toBe('common-act2');
  });

  it('bestCandidate: lowest finite bits/byte within the budget, ties to fewer params', () => {
    const pt = (params: number, bpb: number): SweepPoint => ({
      vocabKeep: 1, ffnKeep: 1, params, fileBytes: params, share: 0, order: 'id', criterion: 'act2', closure: true, bits_per_byte: bpb, ppl: 1,
    });
    const pts = [pt(100, 2.0), pt(120, 1.8), pt(110, 1.8), pt(150, NaN), pt(200, 1.5)];
    expect(bestCandidate(pts, (p) => p.params <= 160)?.params).toBe(110);
    expect(bestCandidate(pts)?.params).toBe(200);
    expect(bestCandidate(pts, (p) => p.params < 50)).toBeNull();
  });
});

describe('splitSelectionTail', () => {
  it('sets aside the last bytes from a line start; the rest is for calibration', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i}: ${'é'.repeat(i % 7)} some words here`);
    const text = lines.join('\n');
    const { calibration, selection } = splitSelectionTail(text, 2000);
    expect(calibration + selection).toBe(text);
    expect(new TextEncoder().encode(selection).length).toBeLessThanOrEqual(2000);
    expect(selection.startsWith('line ')).toBe(true);
    expect(calibration.endsWith('\n')).toBe(true);
    expect(() => splitSelectionTail('short text\n'.repeat(50), 2000)).toThrow(/--select-text/);
  });
});
