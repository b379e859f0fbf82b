// Incremental decoding with the KV cache gives the logits of the full forward pass
// (positions, rope offsets, sliding windows and softcaps included).
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { openModel } from './open';
import { forwardLogits } from './logits';
import { createKvCache, createScratch, destroyKvCache, destroyScratch, recordForward, recordLogits } from './forward';

const ROOT = resolve(import.meta.dirname, '../../fixtures/goldens');

describe('KV-cache decoding', () => {
  for (const name of ['gemma2', 'gemma3-text', 'mistral-swa']) {
    it(`matches the full forward pass (${name})`, async () => {
      const { device } = await testDevice();
      const gpu = new Gpu(device);
      const { model } = await openModel(gpu, await openNodeFolder(join(ROOT, name)));
      const V = model.vocabSize;
      const T = 24;
      const P = 10;
      const ids = Uint32Array.from({ length: T }, (_, i) => (i * 37 + 11) % V);
      const full = await forwardLogits(gpu, model, ids, T);
      const cache = createKvCache(gpu, model, T);
      const hidden = gpu.tensor([1, model.spec.hidden], 'h');
      const logits = gpu.tensor([1, V], 'l');
      let maxDiff = 0;
      const cap = model.spec.finalSoftcap;
      for (let pos = P; pos <= T; ) {
        const n = pos === P ? P : 1; // prefill P tokens, then one at a time
        const s = createScratch(gpu, model, n);
        gpu.device.queue.writeBuffer(s.ids, 0, ids.slice(pos - n, pos));
        const rec = gpu.recorder('step');
        recordForward(gpu, rec, model, s, n, undefined, true, cache);
        recordLogits(gpu, rec, model, s, n - 1, hidden, logits);
        rec.submit();
        const got = await gpu.read(logits);
        for (let v = 0; v < V; v++) {
          const g = cap ? cap * Math.tanh(got[v] / cap) : got[v];
          maxDiff = Math.max(maxDiff, Math.abs(g - full[(pos - 1) * V + v]));
        }
        cache.pos += n;
        destroyScratch(gpu, s);
        pos += 1;
      }
      destroyKvCache(gpu, cache);
      console.log(`${name}: max |logit diff| cached vs full ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    });
  }
});
