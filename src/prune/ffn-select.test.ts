import { describe, expect, it } from 'vitest';
import { downColumnNorms2, magnitudeScores, outputScores, topChannels } from './ffn-select';

describe('FFN channel selection', () => {
  it('keeps the largest scores in channel order, ties by index', () => {
    expect([...topChannels([0.5, 3, 1, 3, 0], 3)]).toEqual([1, 2, 3]);
    expect([...topChannels([1, 1, 1], 2)]).toEqual([0, 1]);
  });
  it('refuses 0 and more than I', () => {
    expect(() => topChannels([1, 2], 0)).toThrow(/>= 1/);
    expect(() => topChannels([1, 2], 3)).toThrow(/exceed/);
  });
  it('computes the magnitude score', () => {
    // I=2, D=2: gate rows [3,4],[0,1]; up rows [0,0],[0,2]; down [D=2, I=2] = [[1,0],[0,2]]
    const s = magnitudeScores(new Float32Array([3, 4, 0, 1]), new Float32Array([0, 0, 0, 2]), new Float32Array([1, 0, 0, 2]), 2, 2);
    expect(s[0]).toBeCloseTo(1 * (5 + 0), 10);
    expect(s[1]).toBeCloseTo(2 * (1 + 2), 10);
  });
  it('computes the output-aware score: common-act2 times the squared down column norm', () => {
    // down [D=2, I=3] = [[1, 0, 2], [3, 1, 0]]: column norms^2 10, 1, 4
    const norms = downColumnNorms2(new Float32Array([1, 0, 2, 3, 1, 0]), 3, 2);
    expect([...norms]).toEqual([10, 1, 4]);
    // a channel with small activations but a large output column can outrank a louder one
    const act = new Float64Array([1, 5, 2]);
    expect([...outputScores(act, norms)]).toEqual([10, 5, 8]);
    expect([...topChannels(outputScores(act, norms), 2)]).toEqual([0, 2]);
    expect([...topChannels(act, 2)]).toEqual([1, 2]);
  });
});
