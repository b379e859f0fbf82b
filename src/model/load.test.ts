// A resident load that fails halfway (a shard that stops reading, a cancel) frees every GPU buffer
// it made, the vocabulary chunks included: a retry starts from nothing.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { inspectModel, uploadModel } from './open';

const MODEL = join(resolve(import.meta.dirname, '../../fixtures/goldens'), 'llama-bias-sharded');

describe('resident load', () => {
  it.each([2, 9])('a read that fails at tensor %i leaves no GPU memory allocated', async (failAt) => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const inspected = await inspectModel(await openNodeFolder(MODEL));
    let reads = 0;
    const ckpt = {
      ...inspected.ckpt,
      readTensorBytes: async (name: string, range?: { start: number; end: number }) => {
        if (++reads === failAt) throw new Error(`disk went away reading ${name}`);
        return inspected.ckpt.readTensorBytes(name, range);
      },
    };
    const before = gpu.memory().allocatedBytes;
    // 100-row vocabulary chunks: read 2 fails inside the embedding, after its first chunk
    await expect(uploadModel(gpu, { ...inspected, ckpt }, undefined, { maxVocabRowsPerChunk: 100, mode: 'resident' })).rejects.toThrow('disk went away');
    expect(reads).toBe(failAt);
    expect(gpu.memory().peakBytes).toBeGreaterThan(before); // something was uploaded before the failure
    expect(gpu.memory().allocatedBytes).toBe(before);
  });
});
