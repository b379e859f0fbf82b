// The 'predicted' vocabulary order's scores: for every token id, the model's next-token
// probability summed over the calibration positions, sum_t p(id | x_<=t). The model's own
// estimate of how often each token comes next, smooth over tokens the calibration text never
// shows (frequency order gives those 0 and falls back to id order).
// One decoder pass over the calibration windows (resident or streamed, model/pass.ts), then the
// LM head twice per batch over the vocabulary chunks: lse_update.wgsl folds each row's
// log-softmax, prob_sums.wgsl adds every column's probability. Only [V] floats come back.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { lseInitialState, lseUpdate, matmul, probSums } from '../gpu/ops';
import type { LoadedModel } from '../model/forward';
import { createPassBuffers, destroyPassBuffers, passShape, runDecoder } from '../model/pass';
import { headBytes } from '../eval/perplexity';
import type { ProgressFn } from '../io/progress';
import type { CalibrationWindows } from './calibration';

/** Per token of a batch: unused targets (u32) and the log-softmax state (vec4f). */
const HEAD_BYTES_PER_TOKEN = 20;

export async function predictedMass(gpu: Gpu, m: LoadedModel, cal: CalibrationWindows, opts: { activationBytes: number; onProgress?: ProgressFn }): Promise<Float64Array> {
  const S = cal.seqLen;
  const head = headBytes(gpu, opts.activationBytes);
  const shape = passShape(gpu, m, S, cal.samples, opts.activationBytes - head - 4 * m.spec.vocabSize, HEAD_BYTES_PER_TOKEN);
  let B = Math.min(cal.samples, shape.batchWindows);
  while (cal.samples % B !== 0) B--; // no padding windows (they would add mass)
  const G = Math.min(shape.groupBatches, cal.samples / B);
  const BT = B * S;
  const D = m.spec.hidden;
  const chunkRows = m.source.vocabChunkRows('lmHead');
  const Tc = Math.max(1, Math.min(BT, Math.floor(head / (4 * (chunkRows + D)))));
  const p = createPassBuffers(gpu, m, BT, G);
  const hiddenChunk = gpu.tensor([Tc, D], 'lm-head rows');
  const logits = gpu.tensor([Tc, chunkRows], 'logits');
  const targets = gpu.u32Buffer(BT, 'unused targets');
  const states = p.batches.map((_, b) => gpu.tensor([BT, 4], `lse state ${b}`));
  const sums = gpu.tensor([m.spec.vocabSize], 'predicted mass');
  const total = cal.samples * S;
  try {
    for (let w0 = 0; w0 < cal.samples; w0 += B * G) {
      const count = Math.min(G, (cal.samples - w0) / B);
      for (let b = 0; b < count; b++) {
        gpu.device.queue.writeBuffer(p.batches[b].ids, 0, cal.ids.slice((w0 + b * B) * S, (w0 + (b + 1) * B) * S));
        gpu.upload(states[b], lseInitialState(BT));
      }
      await runDecoder(gpu, m, p, count, S, { finalNorm: true });
      // pass 1 folds each row's log-softmax over every chunk; pass 2 adds the probabilities
      for (const pass of ['lse', 'mass'] as const) {
        await m.source.forEachVocabChunk('lmHead', (c) => {
          const rec = gpu.recorder(`predicted mass: ${pass}`);
          for (let b = 0; b < count; b++) {
            for (let r0 = 0; r0 < BT; r0 += Tc) {
              const rows = Math.min(Tc, BT - r0);
              const hc: Tensor = { ...hiddenChunk, shape: [rows, D] };
              const lg: Tensor = { ...logits, shape: [rows, c.rows] };
              rec.encoder.copyBufferToBuffer(p.batches[b].x.buffer, r0 * D * 4, hiddenChunk.buffer, 0, rows * D * 4);
              matmul(gpu, rec, hc, c.table, lg, { precision: m.precision });
              const at = { colOffset: c.rowOffset, softcap: m.spec.finalSoftcap, rowOffset: r0 };
              if (pass === 'lse') lseUpdate(gpu, rec, lg, targets, states[b], at);
              else probSums(gpu, rec, lg, states[b], sums, at);
            }
          }
          rec.submit();
        });
      }
      await gpu.device.queue.onSubmittedWorkDone();
      opts.onProgress?.({ phase: 'calibrate', done: (w0 + count * B) * S, total, unit: 'tokens', message: 'predicted token mass' });
    }
    return Float64Array.from(await gpu.read(sums));
  } finally {
    destroyPassBuffers(gpu, p);
    for (const t of [hiddenChunk, logits, sums, ...states]) gpu.destroy(t);
    gpu.destroy(targets);
  }
}
