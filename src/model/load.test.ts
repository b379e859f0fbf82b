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
      readTensorBytes: async (name: string, range?: { start: number; end: number }, into?: Uint8Array) => {
        if (++reads === failAt) throw new Error(`disk went away reading ${name}`);
        return inspected.ckpt.readTensorBytes(name, range, into);
      },
    };
    const before = gpu.memory().allocatedBytes;
    // 100-row vocabulary chunks: read 2 fails inside the embedding, after its first chunk
    await expect(uploadModel(gpu, { ...inspected, ckpt }, undefined, { maxVocabRowsPerChunk: 100, mode: 'resident' })).rejects.toThrow('disk went away');
    expect(reads).toBe(failAt);
    expect(gpu.memory().peakBytes).toBeGreaterThan(before); // something was uploaded before the failure
    expect(gpu.memory().allocatedBytes).toBe(before);
  });

  it.each([
    ['qwen2-bf16', 4096 + 4], // bf16 matrices stay bf16; pieces end mid-row
    ['llama-bias-sharded', 1000], // f32, 5 shards; vocabulary chunks of 100 rows in pieces too
  ])('%s: large tensors go up in pieces through reused buffers, byte for byte as whole reads', async (name, pieceBytes) => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const inspected = await inspectModel(await openNodeFolder(join(resolve(import.meta.dirname, '../../fixtures/goldens'), name)));
    let intoReads = 0;
    const ckpt = {
      ...inspected.ckpt,
      readTensorBytes: async (n: string, range?: { start: number; end: number }, into?: Uint8Array) => {
        if (into) intoReads++;
        return inspected.ckpt.readTensorBytes(n, range, into);
      },
    };
    const whole = await uploadModel(gpu, inspected, undefined, { mode: 'resident', maxVocabRowsPerChunk: 100 });
    const pieces = await uploadModel(gpu, { ...inspected, ckpt }, undefined, { mode: 'resident', maxVocabRowsPerChunk: 100, pieceBytes });
    expect(intoReads).toBeGreaterThan(10);
    const tensors = (m: typeof whole) => {
      const w = m.model.source.resident!;
      return [...w.embed.map((c) => c.table), ...w.lmHead.map((c) => c.table), w.finalNorm!, ...w.layers.flatMap((l) => Object.values(l))];
    };
    const a = tensors(whole);
    const b = tensors(pieces);
    expect(b.map((t) => t.label)).toEqual(a.map((t) => t.label));
    let differing = 0;
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [await gpu.readRaw(a[i]), await gpu.readRaw(b[i])];
      if (x.length !== y.length || x.some((v, j) => v !== y[j])) differing++;
    }
    console.log(`${name}: ${a.length} tensors, ${intoReads} reads into reused buffers of ${pieceBytes} bytes, ${differing} differ`);
    expect(differing).toBe(0);
  });
});
