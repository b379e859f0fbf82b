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
import { createPassBuffers, destroyPassBuffers, passShape, runDecoder, type PassBuffers } from '../model/pass';
import { headBytes } from '../eval/perplexity';
import type { ProgressFn } from '../io/progress';
import type { CalibrationWindows } from './calibration';

/** Per token of a batch: unused targets (u32) and the log-softmax state (vec4f). */
export const MASS_BYTES_PER_TOKEN = 20;

/** GPU bytes the LM head half takes besides its per-token state: logits and hidden chunks, and the [V] sums. */
export function massHeadBytes(gpu: Gpu, m: LoadedModel, activationBytes: number): number {
  return headBytes(gpu, activationBytes) + 4 * m.spec.vocabSize;
}

/**
 * The LM head half of the predicted mass, for batches of BT tokens whose final-normed hidden
 * states a decoder pass left in x (runDecoder with finalNorm). Calibration runs it after the
 * same pass that collects the FFN statistics, so the stack runs once for both.
 */
export class MassHead {
  private readonly hiddenChunk: Tensor;
  private readonly logits: Tensor;
  private readonly targets: GPUBuffer;
  private readonly states: Tensor[];
  private readonly sums: Tensor;
  private readonly Tc: number;

  constructor(private readonly gpu: Gpu, private readonly m: LoadedModel, private readonly BT: number, batches: number, activationBytes: number) {
    const D = m.spec.hidden;
    const chunkRows = m.source.vocabChunkRows('lmHead');
    this.Tc = Math.max(1, Math.min(BT, Math.floor(headBytes(gpu, activationBytes) / (4 * (chunkRows + D)))));
    this.hiddenChunk = gpu.tensor([this.Tc, D], 'lm-head rows');
    this.logits = gpu.tensor([this.Tc, chunkRows], 'logits');
    this.targets = gpu.u32Buffer(BT, 'unused targets');
    this.states = Array.from({ length: batches }, (_, b) => gpu.tensor([BT, 4], `lse state ${b}`));
    this.sums = gpu.tensor([m.spec.vocabSize], 'predicted mass');
  }

  /** Adds every column's probability over the first `count` batches of `p` (x final-normed). */
  async record(p: PassBuffers, count: number): Promise<void> {
    const { gpu, m, BT, Tc } = this;
    const D = m.spec.hidden;
    for (let b = 0; b < count; b++) gpu.upload(this.states[b], lseInitialState(BT));
    // pass 1 folds each row's log-softmax over every chunk; pass 2 adds the probabilities
    for (const pass of ['lse', 'mass'] as const) {
      await m.source.forEachVocabChunk('lmHead', (c) => {
        const rec = gpu.recorder(`predicted mass: ${pass}`);
        for (let b = 0; b < count; b++) {
          for (let r0 = 0; r0 < BT; r0 += Tc) {
            const rows = Math.min(Tc, BT - r0);
            const hc: Tensor = { ...this.hiddenChunk, shape: [rows, D] };
            const lg: Tensor = { ...this.logits, shape: [rows, c.rows] };
            rec.encoder.copyBufferToBuffer(p.batches[b].x.buffer, r0 * D * 4, this.hiddenChunk.buffer, 0, rows * D * 4);
            matmul(gpu, rec, hc, c.table, lg, { precision: m.precision });
            const at = { colOffset: c.rowOffset, softcap: m.spec.finalSoftcap, rowOffset: r0 };
            if (pass === 'lse') lseUpdate(gpu, rec, lg, this.targets, this.states[b], at);
            else probSums(gpu, rec, lg, this.states[b], this.sums, at);
          }
        }
        rec.submit();
      });
    }
  }

  /** The [V] sums on the GPU (read with others in one round trip: Gpu.readMany). */
  get sumsTensor(): Tensor {
    return this.sums;
  }

  destroy(): void {
    for (const t of [this.hiddenChunk, this.logits, this.sums, ...this.states]) this.gpu.destroy(t);
    this.gpu.destroy(this.targets);
  }
}

/** The predicted mass alone (calibration gets it with its FFN statistics: activationScores with withMass). */
export async function predictedMass(gpu: Gpu, m: LoadedModel, cal: CalibrationWindows, opts: { activationBytes: number; onProgress?: ProgressFn }): Promise<Float64Array> {
  const S = cal.seqLen;
  const shape = passShape(gpu, m, S, cal.samples, opts.activationBytes - massHeadBytes(gpu, m, opts.activationBytes), MASS_BYTES_PER_TOKEN);
  let B = Math.min(cal.samples, shape.batchWindows);
  while (cal.samples % B !== 0) B--; // no padding windows (they would add mass)
  const G = Math.min(shape.groupBatches, cal.samples / B);
  const BT = B * S;
  const p = createPassBuffers(gpu, m, BT, G);
  const head = new MassHead(gpu, m, BT, G, opts.activationBytes);
  const total = cal.samples * S;
  try {
    for (let w0 = 0; w0 < cal.samples; w0 += B * G) {
      const count = Math.min(G, (cal.samples - w0) / B);
      for (let b = 0; b < count; b++) gpu.device.queue.writeBuffer(p.batches[b].ids, 0, cal.ids.slice((w0 + b * B) * S, (w0 + (b + 1) * B) * S));
      await runDecoder(gpu, m, p, count, S, { finalNorm: true });
      await head.record(p, count);
      await gpu.device.queue.onSubmittedWorkDone();
      opts.onProgress?.({ phase: 'calibrate', done: (w0 + count * B) * S, total, unit: 'tokens', message: 'predicted token mass' });
    }
    return Float64Array.from(await gpu.read(head.sumsTensor));
  } finally {
    destroyPassBuffers(gpu, p);
    head.destroy();
  }
}
