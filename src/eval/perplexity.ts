// Perplexity and bits per byte on the GPU, resident or streamed (model/pass.ts). The LM head runs
// chunk by chunk over the vocabulary (a streamed model uploads each chunk once per group) and
// folds each chunk's logits into a running log-softmax per position (lse_update.wgsl): only one
// f32 per position comes back, and the full [T, V] logits never exist.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { lseInitialState, lseNll, lseUpdate, matmul } from '../gpu/ops';
import type { LoadedModel } from '../model/forward';
import { createPassBuffers, destroyPassBuffers, passShape, runDecoder } from '../model/pass';
import type { ProgressFn } from '../io/progress';
import { accumulateNll, planWindows, summarise, type EvalResult, type NllTotals } from './windows';

/** GPU bytes of the LM-head step (logits [Tc, chunk rows] and hidden rows [Tc, D]): within one binding, 256 MB and a quarter of the activations. */
export function headBytes(gpu: Gpu, activationBytes: number): number {
  return Math.min(gpu.limits.maxStorageBufferBindingSize, 256 << 20, Math.max(1 << 19, activationBytes / 4));
}

/** Per token of a batch: targets (u32), log-softmax state (vec4f) and NLL (f32). */
const HEAD_BYTES_PER_TOKEN = 24;

export interface EvalIdsOptions {
  maxTokens: number;
  seq: number;
  bosId: number | null;
  /** GPU bytes the pass may use for activations (the placement's share of the budget). */
  activationBytes: number;
  onProgress?: ProgressFn;
}

export async function evaluateIds(
  gpu: Gpu,
  m: LoadedModel,
  tokens: ArrayLike<number>,
  tokenBytes: (id: number) => number,
  opts: EvalIdsOptions,
): Promise<EvalResult> {
  const plan = planWindows(tokens, opts.maxTokens, opts.seq, opts.bosId);
  const S = plan.seqLen;
  const head = headBytes(gpu, opts.activationBytes);
  const { batchWindows: B, groupBatches: G } = passShape(gpu, m, S, plan.windows, opts.activationBytes - head, HEAD_BYTES_PER_TOKEN);
  const BT = B * S;
  const D = m.spec.hidden;
  const chunkRows = m.source.vocabChunkRows('lmHead');
  const Tc = Math.max(1, Math.min(BT, Math.floor(head / (4 * (chunkRows + D)))));
  const totals: NllTotals = { sumNll: 0, predicted: 0, bytes: 0 };
  const p = createPassBuffers(gpu, m, BT, G);
  const hiddenChunk = gpu.tensor([Tc, D], 'lm-head rows');
  const logits = gpu.tensor([Tc, chunkRows], 'logits');
  const perBatch = p.batches.map((_, b) => ({
    targets: gpu.u32Buffer(BT, `targets ${b}`),
    state: gpu.tensor([BT, 4], `lse state ${b}`, lseInitialState(BT)),
    nll: gpu.tensor([BT], `nll ${b}`),
  }));
  const report = (windowsDone: number) => opts.onProgress?.({ phase: 'evaluate', done: windowsDone * S, total: plan.windows * S, unit: 'tokens' });
  try {
    for (let w0 = 0; w0 < plan.windows; w0 += B * G) {
      const count = Math.min(G, Math.ceil((plan.windows - w0) / B));
      for (let b = 0; b < count; b++) {
        const first = (w0 + b * B) * S;
        const ids = new Uint32Array(BT);
        ids.set(plan.ids.subarray(first, first + BT));
        gpu.device.queue.writeBuffer(p.batches[b].ids, 0, ids);
        const tg = new Uint32Array(BT);
        tg.set(plan.targets.subarray(first, first + BT));
        gpu.device.queue.writeBuffer(perBatch[b].targets, 0, tg);
      }
      await runDecoder(gpu, m, p, count, S, { finalNorm: true, onLayer: () => report(w0) });
      await m.source.forEachVocabChunk('lmHead', (c) => {
        const rec = gpu.recorder('lm head chunk');
        for (let b = 0; b < count; b++) {
          for (let r0 = 0; r0 < BT; r0 += Tc) {
            const rows = Math.min(Tc, BT - r0);
            const hc: Tensor = { ...hiddenChunk, shape: [rows, D] };
            const lg: Tensor = { ...logits, shape: [rows, c.rows] };
            rec.encoder.copyBufferToBuffer(p.batches[b].x.buffer, r0 * D * 4, hiddenChunk.buffer, 0, rows * D * 4);
            matmul(gpu, rec, hc, c.table, lg, { precision: m.precision });
            lseUpdate(gpu, rec, lg, perBatch[b].targets, perBatch[b].state, { colOffset: c.rowOffset, softcap: m.spec.finalSoftcap, rowOffset: r0 });
          }
        }
        rec.submit();
      });
      const rec = gpu.recorder('nll');
      for (let b = 0; b < count; b++) lseNll(gpu, rec, perBatch[b].state, perBatch[b].nll);
      rec.submit();
      for (let b = 0; b < count; b++) {
        const first = (w0 + b * B) * S;
        const T = Math.min(BT, plan.windows * S - first);
        const values = (await gpu.read(perBatch[b].nll)).subarray(0, T);
        accumulateNll(totals, values, plan.predicts, plan.targets, tokenBytes, first);
      }
      report(Math.min(plan.windows, w0 + count * B));
    }
  } finally {
    destroyPassBuffers(gpu, p);
    for (const t of [hiddenChunk, logits]) gpu.destroy(t);
    for (const pb of perBatch) {
      gpu.destroy(pb.targets);
      gpu.destroy(pb.state);
      gpu.destroy(pb.nll);
    }
  }
  return summarise(totals, plan.windows * (opts.bosId === null ? S : S - 1), plan.windows);
}
