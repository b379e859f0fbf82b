import { describe, expect, it } from 'vitest';
import { accumulateNll, planWindows, summarise, utf8Prefix } from './windows';

describe('evaluation windows', () => {
  it('cuts 10 tokens into 3 windows of 3, dropping the partial one', () => {
    const p = planWindows([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], Infinity, 3);
    expect(p.windows).toBe(3);
    expect([...p.ids]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...p.predicts]).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0]);
    expect([...p.targets]).toEqual([1, 2, 0, 4, 5, 0, 7, 8, 0]);
  });
  it('4096 tokens in windows of 256 predict 4080 positions', () => {
    const p = planWindows(new Uint32Array(5000), 4096, 256);
    expect(p.windows).toBe(16);
    expect(p.predicts.reduce((a, b) => a + b, 0)).toBe(4080);
  });
  it('prepends BOS to each window when asked', () => {
    const p = planWindows([5, 6, 7, 8], Infinity, 3, 1);
    expect([...p.ids]).toEqual([1, 5, 6, 1, 7, 8]);
    expect([...p.targets]).toEqual([5, 6, 0, 7, 8, 0]);
  });
  it('refuses a text shorter than one window', () => {
    expect(() => planWindows([1, 2], Infinity, 3)).toThrow(/fewer than one window/);
  });
  it('sums NLL in float64 and computes bits per byte', () => {
    const p = planWindows([0, 1, 2, 3], Infinity, 2);
    const t = { sumNll: 0, predicted: 0, bytes: 0 };
    accumulateNll(t, new Float32Array([1, 9, 3, 9]), p.predicts, p.targets, () => 2);
    const s = summarise(t, 4, 2);
    expect(s.predicted).toBe(2);
    expect(s.mean_nll).toBeCloseTo(2, 12);
    expect(s.bits_per_byte).toBeCloseTo(4 / Math.LN2 / 4, 12);
  });
  it('cuts UTF-8 at a character boundary', () => {
    expect(utf8Prefix('aé', 2)).toBe('a');
    expect(utf8Prefix('aé', 3)).toBe('aé');
  });
});

describe('batching windows', () => {
  it('spreads windows evenly over the fewest batches', async () => {
    const { evenBatchSize } = await import('../model/pass');
    expect(evenBatchSize(16, 11)).toBe(8); // 2 batches of 8, not 11 + 5 padded to 11
    expect(evenBatchSize(16, 16)).toBe(16);
    expect(evenBatchSize(17, 16)).toBe(9); // 9 + 8
    expect(evenBatchSize(5, 100)).toBe(5);
    expect(evenBatchSize(3, 0)).toBe(1);
  });

  it('refuses bits per byte when the predicted tokens stand for no bytes (never Infinity)', () => {
    const totals = { sumNll: 0, predicted: 0, bytes: 0 };
    accumulateNll(totals, Float32Array.from([1.5, 2]), Uint8Array.from([1, 1]), Uint32Array.from([3, 4]), () => 0);
    expect(() => summarise(totals, 3, 1)).toThrow(/stand for no text bytes/);
  });
});
