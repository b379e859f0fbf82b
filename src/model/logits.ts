// Full logits for a batch of windows (small vocabularies only: golden tests, debugging).
import type { Gpu } from '../gpu/context';
import { createScratch, destroyScratch, recordForward, recordLogits, type LoadedModel } from './forward';

/** ids: [B * S] -> logits [B * S, V] (row-major), soft-capped as the model defines. */
export async function forwardLogits(gpu: Gpu, m: LoadedModel, ids: Uint32Array, seqLen: number): Promise<Float32Array> {
  const T = ids.length;
  const s = createScratch(gpu, m, T);
  const hidden = gpu.tensor([T, m.spec.hidden], 'hidden');
  const logits = gpu.tensor([T, m.vocabSize], 'logits');
  try {
    gpu.device.queue.writeBuffer(s.ids, 0, ids as Uint32Array<ArrayBuffer>);
    const rec = gpu.recorder('logits');
    recordForward(gpu, rec, m, s, seqLen);
    recordLogits(gpu, rec, m, s, 0, hidden, logits);
    rec.submit();
    const out = await gpu.read(logits);
    // gemma2 final soft-capping (the NLL and argmax kernels apply it themselves)
    const cap = m.spec.finalSoftcap;
    if (cap) for (let i = 0; i < out.length; i++) out[i] = cap * Math.tanh(out[i] / cap);
    return out;
  } finally {
    destroyScratch(gpu, s);
    gpu.destroy(hidden);
    gpu.destroy(logits);
  }
}
