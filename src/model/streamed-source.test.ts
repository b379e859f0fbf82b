// The streamed source reads each layer into reused host buffers (two sets taken in turn): a pass
// cut short leaves a read ahead in flight, and the next pass must still get every layer's own
// bytes. Reads here land after random delays, so a buffer shared too early shows up as a mismatch.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { inspectModel, uploadModel } from './open';
import { StreamedSource } from './streamed-source';

const MODEL = resolve(import.meta.dirname, '../../fixtures/stories260K'); // 5 layers

describe('streamed source', () => {
  it('every layer holds its own bytes after a pass cut short (reused host buffers, reads landing late)', async () => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const inspected = await inspectModel(await openNodeFolder(MODEL));
    const resident = (await uploadModel(gpu, inspected, undefined, { mode: 'resident' })).model.source.resident!;
    let seed = 7;
    const delay = (ms: number) => new Promise((r) => setTimeout(r, (seed = (seed * 48271) % 2147483647) % ms));
    const ckpt = {
      ...inspected.ckpt,
      readTensorBytes: async (n: string, range?: { start: number; end: number }, into?: Uint8Array) => {
        await delay(40); // the bytes land in `into` late, after the pass that asked moved on
        const bytes = await inspected.ckpt.readTensorBytes(n, range, into);
        await delay(5);
        return bytes;
      },
    };
    expect(ckpt.readsInto).toBe(true);
    const source = new StreamedSource(gpu, inspected.spec, ckpt, { vocabChunkRows: 64 });
    await source.init();
    const L = inspected.spec.layers;
    let compared = 0;
    let differing = 0;
    const check = async (l: number, compare = true) => {
      const w = await source.layer(l, l + 1 < L ? l + 1 : undefined);
      for (const [role, t] of compare ? Object.entries(w) : []) {
        const want = await gpu.readRaw(resident.layers[l][role as keyof typeof w]!);
        const got = await gpu.readRaw(t!);
        compared++;
        if (want.length !== got.length || want.some((v, i) => v !== got[i])) differing++;
      }
      source.release(l);
    };
    for (const cut of [2, 3, 2, 4]) {
      for (let l = 0; l < cut; l++) await check(l, false); // a pass cut short: the read ahead of layer `cut` is in flight
      for (let l = 0; l < L; l++) await check(l); // then a whole pass, compared
    }
    console.log(`streamed layers: ${compared} tensors compared with the resident upload, ${differing} differ`);
    expect(differing).toBe(0);
    source.dispose();
  });
});
