// Full logits for a batch of windows (small vocabularies only: golden tests, debugging), from
// any weight source: the decoder pass, then the LM head chunk by chunk into one [T, V] buffer.
import type { Gpu } from '../gpu/context';
import { matmul } from '../gpu/ops';
import type { LoadedModel } from './forward';
import { createPassBuffers, destroyPassBuffers, runDecoder } from './pass';

/** ids: [B * S] -> logits [B * S, V] (row-major), soft-capped as the model defines. */
export async function forwardLogits(gpu: Gpu, m: LoadedModel, ids: Uint32Array, seqLen: number): Promise<Float32Array> {
  const T = ids.length;
  const p = createPassBuffers(gpu, m, T, 1);
  const logits = gpu.tensor([T, m.vocabSize], 'logits');
  try {
    gpu.device.queue.writeBuffer(p.batches[0].ids, 0, ids as Uint32Array<ArrayBuffer>);
    await runDecoder(gpu, m, p, 1, seqLen, { finalNorm: true });
    await m.source.forEachVocabChunk('lmHead', (c) => {
      const rec = gpu.recorder('logits');
      matmul(gpu, rec, p.batches[0].x, c.table, logits, { outColOffset: c.rowOffset });
      rec.submit();
    });
    const out = await gpu.read(logits);
    // gemma2 final soft-capping (the NLL and argmax kernels apply it themselves)
    const cap = m.spec.finalSoftcap;
    if (cap) for (let i = 0; i < out.length; i++) out[i] = cap * Math.tanh(out[i] / cap);
    return out;
  } finally {
    destroyPassBuffers(gpu, p);
    gpu.destroy(logits);
  }
}
