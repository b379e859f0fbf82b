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
  ])('%s: staged (mapped buffers) and written (writeBuffer) uploads, whole or in pieces, hold the file bytes', async (name, pieceBytes) => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const inspected = await inspectModel(await openNodeFolder(join(resolve(import.meta.dirname, '../../fixtures/goldens'), name)));
    let intoReads = 0;
    const counting = {
      ...inspected.ckpt,
      readTensorBytes: async (n: string, range?: { start: number; end: number }, into?: Uint8Array) => {
        if (into) intoReads++;
        return inspected.ckpt.readTensorBytes(n, range, into);
      },
    };
    const written = { ...inspected.ckpt, readsInto: false }; // as a browser File: the writeBuffer path
    const tensorsOf = async (ckpt: typeof inspected.ckpt, piece?: number) => {
      const w = (await uploadModel(gpu, { ...inspected, ckpt }, undefined, { mode: 'resident', maxVocabRowsPerChunk: 100, pieceBytes: piece })).model.source.resident!;
      return [...w.embed.map((c) => c.table), ...w.lmHead.map((c) => c.table), w.finalNorm!, ...w.layers.flatMap((l) => Object.values(l))];
    };
    const uploads = { staged: await tensorsOf(counting), stagedPieces: await tensorsOf(counting, pieceBytes), written: await tensorsOf(written), writtenPieces: await tensorsOf(written, pieceBytes) };
    expect(intoReads).toBeGreaterThan(10);
    const reference = uploads.written;
    let differing = 0;
    for (const [how, ts] of Object.entries(uploads)) {
      expect(ts.map((t) => t.label), how).toEqual(reference.map((t) => t.label));
      for (let i = 0; i < ts.length; i++) {
        const [x, y] = [await gpu.readRaw(reference[i]), await gpu.readRaw(ts[i])];
        if (x.length !== y.length || x.some((v, j) => v !== y[j])) differing++;
      }
    }
    // and the stored-as-is tensors hold exactly the file's bytes (the vocabulary chunks: their rows)
    let fileChecked = 0;
    for (const t of reference) {
      const base = t.label.replace(/\[\d+:\]$/, '');
      const entry = inspected.ckpt.entries.get(base)!;
      if ((t.dtype ?? 'f32') === 'f32' && entry.dtype !== 'F32') continue; // decoded to f32
      const rowBytes = (entry.end - entry.begin) / entry.shape[0];
      const first = Number(/\[(\d+):\]$/.exec(t.label)?.[1] ?? 0);
      const want = await inspected.ckpt.readTensorBytes(base, { start: first * rowBytes, end: first * rowBytes + t.shape[0] * rowBytes });
      const got = (await gpu.readRaw(t)).subarray(0, want.length);
      if (got.some((v, j) => v !== want[j])) differing++;
      fileChecked++;
    }
    console.log(`${name}: ${reference.length} tensors x 4 uploads (${intoReads} reads into staging, pieces of ${pieceBytes} B), ${fileChecked} checked against the file, ${differing} differ`);
    expect(fileChecked).toBeGreaterThan(reference.length / 2);
    expect(differing).toBe(0);
  });
});
