// A calibration pass reads only the FFN intermediates, so the last layer's down projection is dead
// work: runDecoder with lastLayerOutputUnused skips it and the hooks still see the same h.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import type { Tensor } from '../gpu/tensor';
import { openNodeFolder } from '../io/node-files';
import { inspectModel, uploadModel } from './open';
import { createPassBuffers, destroyPassBuffers, runDecoder } from './pass';

const MODEL = resolve(import.meta.dirname, '../../fixtures/stories260K'); // 5 layers

describe('runDecoder', () => {
  it('lastLayerOutputUnused: every layer hook sees the same h, and the last layer leaves x alone', async () => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const { model: m } = await uploadModel(gpu, await inspectModel(await openNodeFolder(MODEL)), undefined, { mode: 'resident' });
    const [S, B] = [32, 2];
    const L = m.spec.layers;
    const ids = Uint32Array.from({ length: S * B }, (_, i) => (i * 37 + 5) % m.vocabSize);
    const run = async (unused: boolean) => {
      const p = createPassBuffers(gpu, m, S * B, 1);
      gpu.device.queue.writeBuffer(p.batches[0].ids, 0, ids);
      const hs: Tensor[] = [];
      let xAfterPrev: Tensor | undefined;
      await runDecoder(gpu, m, p, 1, S, {
        lastLayerOutputUnused: unused,
        hooks: {
          onFfnIntermediate: (l, h, rec) => {
            hs[l] = gpu.tensor([...h.shape], `h ${l}`);
            rec.encoder.copyBufferToBuffer(h.buffer, 0, hs[l].buffer, 0, h.shape[0] * h.shape[1] * 4);
            if (l === L - 1) {
              // x here is the input of the last FFN (after its attention): what it holds if the FFN adds nothing
              xAfterPrev = gpu.tensor([...p.batches[0].x.shape], 'x before the last FFN');
              rec.encoder.copyBufferToBuffer(p.batches[0].x.buffer, 0, xAfterPrev.buffer, 0, S * B * m.spec.hidden * 4);
            }
          },
        },
      });
      const out = { hs: await gpu.readMany(hs), x: await gpu.read(p.batches[0].x), xBeforeLastFfn: await gpu.read(xAfterPrev!) };
      destroyPassBuffers(gpu, p);
      return out;
    };
    const full = await run(false);
    const cut = await run(true);
    expect(cut.hs.length).toBe(L);
    for (let l = 0; l < L; l++) expect(Array.from(cut.hs[l])).toEqual(Array.from(full.hs[l]));
    expect(Array.from(cut.x)).toEqual(Array.from(cut.xBeforeLastFfn)); // no down projection added into x
    expect(Array.from(full.x)).not.toEqual(Array.from(full.xBeforeLastFfn)); // the full pass does add it
    const p = createPassBuffers(gpu, m, S * B, 1);
    await expect(runDecoder(gpu, m, p, 1, S, { lastLayerOutputUnused: true, finalNorm: true })).rejects.toThrow(/finalNorm/);
    destroyPassBuffers(gpu, p);
  });
});
