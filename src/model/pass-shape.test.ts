// Batch sizing within the activation budget, including the fast matmul's f16 staging.
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../gpu/context';
import type { LoadedModel } from './forward';
import { activationBytesPerToken, fastStagingBytes, passShape } from './pass';

const spec = { hidden: 2048, heads: 32, kvHeads: 8, headDim: 64, layers: 16, vocabSize: 128256 };
const model = (precision: 'exact' | 'fast') => ({ spec, intermediate: 8192, precision, source: { resident: {} } }) as unknown as LoadedModel;
const gpu = (fast: boolean) => ({ hasFastMatmul: fast, limits: { maxStorageBufferBindingSize: 2 ** 31 } }) as unknown as Gpu;

describe('passShape', () => {
  it('counts the fast staging (f16 inputs per token, the largest weight copy) only when fast mode runs', () => {
    expect(fastStagingBytes(gpu(false), model('fast'))).toEqual({ perToken: 0, fixed: 0 });
    expect(fastStagingBytes(gpu(true), model('exact'))).toEqual({ perToken: 0, fixed: 0 });
    const s = fastStagingBytes(gpu(true), model('fast'));
    expect(s.perToken).toBe(2 * 8192);
    // the largest padded weight is down [2048, 8192] at 2048 + 256 rows (gate/up: 8448 x 2048), as f16,
    // plus 256 padding rows of the widest input
    expect(s.fixed).toBe(2 * (2048 + 256) * 8192 + 2 * 256 * 8192);
    // a budget of exactly 16 exact windows of 512: fast mode fits fewer, and its batch plus staging stays within it
    const budget = 16 * 512 * activationBytesPerToken(model('exact'));
    expect(passShape(gpu(true), model('exact'), 512, 64, budget).batchWindows).toBe(16);
    const B = passShape(gpu(true), model('fast'), 512, 64, budget).batchWindows;
    expect(B).toBeLessThan(16);
    expect(B * 512 * (activationBytesPerToken(model('fast')) + s.perToken) + s.fixed).toBeLessThanOrEqual(budget);
  });
});
