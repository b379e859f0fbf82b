// Calibration on the GPU: run the stack over calibration windows and reduce the FFN
// intermediate h = act(gate x) * (up x) per layer into two [I] sums:
//   sum_t w_t * h_{t,j}^2 (COMPACT's common act^2: w_t = 1 when token t is kept) and
//   sum_t h_{t,j}^2 (act^2). Only these 2 x L x I floats ever come back.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { ffnStats } from '../gpu/ops';
import { createScratch, destroyScratch, recordForward, type LoadedModel } from '../model/forward';
import { activationBudget, batchWindows } from '../eval/perplexity';
import type { ProgressFn } from '../io/progress';

export class CalibrationTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationTextError';
  }
}

export interface CalibrationWindows {
  ids: Uint32Array; // [samples * S]
  samples: number;
  seqLen: number;
}

/** The first samples x S tokens of the calibration text as windows of S. */
export function calibrationWindows(tokens: ArrayLike<number>, samples: number, sampleTokens: number): CalibrationWindows {
  if (!Number.isInteger(samples) || samples < 1) throw new CalibrationTextError(`samples must be a whole number >= 1 (got ${samples})`);
  if (!Number.isInteger(sampleTokens) || sampleTokens < 2) throw new CalibrationTextError(`tokens per sample must be a whole number >= 2 (got ${sampleTokens})`);
  if (tokens.length === 0) throw new CalibrationTextError('the calibration text is empty: give a text of a few thousand words');
  const need = samples * sampleTokens;
  if (tokens.length < need) {
    throw new CalibrationTextError(
      `the calibration text has ${tokens.length} tokens, fewer than ${samples} samples x ${sampleTokens} tokens = ${need}: ` +
        `use a longer text or fewer/shorter samples (at most ${Math.floor(tokens.length / sampleTokens)} samples of ${sampleTokens})`,
    );
  }
  return { ids: Uint32Array.from(Array.prototype.slice.call(tokens, 0, need) as number[]), samples, seqLen: sampleTokens };
}

export function tokenCounts(ids: ArrayLike<number>, vocabSize: number): Uint32Array {
  const counts = new Uint32Array(vocabSize);
  for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  return counts;
}

/** Windows per calibration batch: as many as fit, dividing the sample count, so no batch
 *  carries padding windows (they would enter act2 and the layer statistics). */
export function calibrationBatch(gpu: Gpu, m: LoadedModel, cal: CalibrationWindows): number {
  let B = Math.min(cal.samples, batchWindows(m, cal.seqLen, activationBudget(gpu)));
  while (cal.samples % B !== 0) B--;
  return B;
}

export interface ActivationScores {
  /** per layer [I]: sum of h^2 over positions whose input token is kept. */
  commonAct2: Float64Array[];
  /** per layer [I]: sum of h^2 over all positions. */
  act2: Float64Array[];
}

/**
 * @param keptMask 1 for every token id kept in the pruned vocabulary ([V]); null keeps all.
 */
export async function activationScores(
  gpu: Gpu,
  m: LoadedModel,
  cal: CalibrationWindows,
  keptMask: Uint8Array | null,
  onProgress?: ProgressFn,
): Promise<ActivationScores> {
  const S = cal.seqLen;
  const B = calibrationBatch(gpu, m, cal);
  const T = B * S;
  const I = m.intermediate;
  const L = m.spec.layers;
  const s = createScratch(gpu, m, T);
  const weight = gpu.tensor([T], 'kept-token weight');
  const sumW: Tensor[] = Array.from({ length: L }, (_, l) => gpu.tensor([I], `common act2 L${l}`));
  const sumA: Tensor[] = Array.from({ length: L }, (_, l) => gpu.tensor([I], `act2 L${l}`));
  try {
    for (let w0 = 0; w0 < cal.samples; w0 += B) {
      const nw = B;
      const ids = cal.ids.slice(w0 * S, (w0 + nw) * S);
      const wts = new Float32Array(T); // weighting by the INPUT token at t (our documented default)
      for (let t = 0; t < T; t++) wts[t] = keptMask === null || keptMask[ids[t]] ? 1 : 0;
      gpu.device.queue.writeBuffer(s.ids, 0, ids);
      gpu.upload(weight, wts);
      const rec = gpu.recorder('calibration batch');
      recordForward(gpu, rec, m, s, S, {
        onFfnIntermediate: (l, h, r) => ffnStats(gpu, r, h, weight, sumW[l], sumA[l]),
      }, false);
      rec.submit();
      await gpu.device.queue.onSubmittedWorkDone();
      onProgress?.({ phase: 'calibrate', done: (w0 + nw) * S, total: cal.samples * S, unit: 'tokens' });
    }
    const commonAct2 = await Promise.all(sumW.map(async (t) => Float64Array.from(await gpu.read(t))));
    const act2 = await Promise.all(sumA.map(async (t) => Float64Array.from(await gpu.read(t))));
    return { commonAct2, act2 };
  } finally {
    destroyScratch(gpu, s);
    gpu.destroy(weight);
    for (const t of [...sumW, ...sumA]) gpu.destroy(t);
  }
}
