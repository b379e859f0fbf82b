// Perplexity and bits per byte on the GPU: the fused log-softmax + NLL kernel reduces
// each logits row on the GPU; only one f32 per position comes back.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { logSoftmaxNll } from '../gpu/ops';
import { createScratch, destroyScratch, recordForward, recordLogits, type LoadedModel } from '../model/forward';
import type { ProgressFn } from '../io/progress';
import type { EvalResult } from './windows';
import { accumulateNll, planWindows, summarise, type NllTotals } from './windows';

/** Activation budget for one batch: half a storage binding (512 MB on SwiftShader, 1 GB on an H200). */
export function activationBudget(gpu: Gpu): number {
  return Math.max(64 << 20, Math.min(gpu.limits.maxStorageBufferBindingSize, 2 ** 31) / 2);
}

/** Windows per forward batch: activations [T, max(I, H*E, D)] within ~budget bytes. */
export function batchWindows(m: LoadedModel, seqLen: number, budgetBytes: number): number {
  const { hidden: D, heads: H, headDim: E } = m.spec;
  const widest = Math.max(m.intermediate, H * E, D);
  const perToken = 4 * (3 * widest + 6 * D + 4 * H * E);
  return Math.max(1, Math.floor(budgetBytes / (perToken * seqLen)));
}

/** Windows per batch: as many as fit (maxB), spread evenly so the last batch is not mostly padding. */
export function evenBatchSize(windows: number, maxB: number): number {
  const fit = Math.max(1, Math.min(windows, maxB));
  return Math.ceil(windows / Math.ceil(windows / fit));
}

/** Rows of logits per LM-head chunk: [Tc, V] f32 within one binding and ~256 MB. */
export function logitRows(gpu: Gpu, V: number, T: number): number {
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, 256 << 20);
  return Math.max(1, Math.min(T, Math.floor(limit / (V * 4))));
}

export interface EvalIdsOptions {
  maxTokens: number;
  seq: number;
  bosId: number | null;
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
  const B = evenBatchSize(plan.windows, batchWindows(m, S, activationBudget(gpu)));
  const V = m.vocabSize;
  const totals: NllTotals = { sumNll: 0, predicted: 0, bytes: 0 };
  const s = createScratch(gpu, m, B * S);
  const Tc = logitRows(gpu, V, B * S);
  const hiddenChunk = gpu.tensor([Tc, m.spec.hidden], 'lm-head rows');
  const logits = gpu.tensor([Tc, V], 'logits');
  const targets = gpu.u32Buffer(B * S, 'targets');
  const targetChunk = gpu.u32Buffer(Tc, 'targets chunk');
  const nllChunk = gpu.tensor([Tc], 'nll chunk');
  const nll = gpu.tensor([B * S], 'nll');
  try {
    for (let w0 = 0; w0 < plan.windows; w0 += B) {
      const nw = Math.min(B, plan.windows - w0);
      const T = nw * S;
      const ids = plan.ids.subarray(w0 * S, w0 * S + B * S);
      const padded = new Uint32Array(B * S);
      padded.set(ids);
      gpu.device.queue.writeBuffer(s.ids, 0, padded);
      const tg = new Uint32Array(B * S);
      tg.set(plan.targets.subarray(w0 * S, w0 * S + T));
      gpu.device.queue.writeBuffer(targets, 0, tg);
      const rec = gpu.recorder('eval batch');
      recordForward(gpu, rec, m, s, S);
      for (let r0 = 0; r0 < T; r0 += Tc) {
        const rows = Math.min(Tc, T - r0);
        const hc: Tensor = rows === Tc ? hiddenChunk : { buffer: hiddenChunk.buffer, shape: [rows, m.spec.hidden], label: 'lm-head rows' };
        const lg: Tensor = rows === Tc ? logits : { buffer: logits.buffer, shape: [rows, V], label: 'logits' };
        const nc: Tensor = rows === Tc ? nllChunk : { buffer: nllChunk.buffer, shape: [rows], label: 'nll chunk' };
        recordLogits(gpu, rec, m, s, r0, hc, lg);
        rec.encoder.copyBufferToBuffer(targets, r0 * 4, targetChunk, 0, rows * 4);
        logSoftmaxNll(gpu, rec, lg, targetChunk, nc, { softcap: m.spec.finalSoftcap });
        rec.encoder.copyBufferToBuffer(nllChunk.buffer, 0, nll.buffer, r0 * 4, rows * 4);
      }
      rec.submit();
      const values = (await gpu.read(nll)).subarray(0, T);
      accumulateNll(totals, values, plan.predicts, plan.targets, tokenBytes, w0 * S);
      opts.onProgress?.({ phase: 'evaluate', done: (w0 + nw) * S, total: plan.windows * S, unit: 'tokens' });
    }
  } finally {
    destroyScratch(gpu, s);
    for (const t of [hiddenChunk, logits, nllChunk, nll]) gpu.destroy(t);
    gpu.destroy(targets);
    gpu.destroy(targetChunk);
  }
  return summarise(totals, plan.windows * (opts.bosId === null ? S : S - 1), plan.windows);
}
