// Calibration on the GPU (resident or streamed, model/pass.ts): run the stack over calibration windows and reduce the FFN
// intermediate h = act(gate x) * (up x) per layer into two [I] sums:
//   sum_t w_t * h_{t,j}^2 (COMPACT's common act^2: w_t = 1 when token t is kept) and
//   sum_t h_{t,j}^2 (act^2). Only these 2 x L x I floats ever come back.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { ffnStats } from '../gpu/ops';
import type { LoadedModel } from '../model/forward';
import { createPassBuffers, destroyPassBuffers, passShape, runDecoder, type PassShape } from '../model/pass';
import type { ProgressFn } from '../io/progress';
import { MASS_BYTES_PER_TOKEN, MassHead, massHeadBytes } from './token-probs';

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

/**
 * Batch and group sizes for calibration within `activationBytes`: the batch size divides the
 * sample count, so no batch carries padding windows (they would enter act2 and the layer
 * statistics).
 */
export function calibrationShape(gpu: Gpu, m: LoadedModel, cal: CalibrationWindows, activationBytes: number, withMass = false): PassShape {
  // per-layer sums (2 x L x I) and a kept-token weight per token beside the activations
  // and, with the predicted mass, the LM head's chunks, its [V] sums and its per-token state
  const sums = 8 * m.spec.layers * m.intermediate + (withMass ? massHeadBytes(gpu, m, activationBytes) : 0);
  const shape = passShape(gpu, m, cal.seqLen, cal.samples, activationBytes - sums, 4 + (withMass ? MASS_BYTES_PER_TOKEN : 0));
  let B = Math.min(cal.samples, shape.batchWindows);
  while (cal.samples % B !== 0) B--;
  return { batchWindows: B, groupBatches: Math.min(shape.groupBatches, cal.samples / B) };
}

export interface ActivationScores {
  /** per layer [I]: sum of h^2 over positions whose input token is kept. */
  commonAct2: Float64Array[];
  /** per layer [I]: sum of h^2 over all positions. */
  act2: Float64Array[];
  /** [V]: the predicted token mass (token-probs.ts), when asked for with withMass. */
  mass?: Float64Array;
}

export interface CalibrationPassOptions {
  /** GPU bytes for activations (the placement's share of the budget). */
  activationBytes: number;
  onProgress?: ProgressFn;
  /** also add up the predicted token mass from the same pass (the LM head after the last layer) */
  withMass?: boolean;
  /** benchmarks: filled with wall ms per phase (buffers, recording and submits, waits for the GPU, the read of the sums) */
  phases?: CalibrationPhases;
}

export interface CalibrationPhases {
  buffers: number;
  record: number;
  wait: number;
  read: number;
}

/**
 * @param keptMask 1 for every token id kept in the pruned vocabulary ([V]); null keeps all.
 */
export async function activationScores(
  gpu: Gpu,
  m: LoadedModel,
  cal: CalibrationWindows,
  keptMask: Uint8Array | null,
  opts: CalibrationPassOptions,
): Promise<ActivationScores> {
  const phases = opts.phases;
  let mark = performance.now();
  const lap = (k: keyof CalibrationPhases) => {
    const now = performance.now();
    if (phases) phases[k] += now - mark;
    mark = now;
  };
  const S = cal.seqLen;
  const withMass = opts.withMass ?? false;
  const { batchWindows: B, groupBatches: G } = calibrationShape(gpu, m, cal, opts.activationBytes, withMass);
  const T = B * S;
  const I = m.intermediate;
  const L = m.spec.layers;
  const p = createPassBuffers(gpu, m, T, G);
  const weights = p.batches.map((_, b) => gpu.tensor([T], `kept-token weight ${b}`));
  const sumW: Tensor[] = Array.from({ length: L }, (_, l) => gpu.tensor([I], `common act2 L${l}`));
  const sumA: Tensor[] = Array.from({ length: L }, (_, l) => gpu.tensor([I], `act2 L${l}`));
  const head = withMass ? new MassHead(gpu, m, T, G, opts.activationBytes) : null;
  const total = cal.samples * S;
  lap('buffers');
  try {
    for (let w0 = 0; w0 < cal.samples; w0 += B * G) {
      const count = Math.min(G, (cal.samples - w0) / B);
      for (let b = 0; b < count; b++) {
        const ids = cal.ids.slice((w0 + b * B) * S, (w0 + (b + 1) * B) * S);
        const wts = new Float32Array(T); // weighting by the INPUT token at t (our documented default)
        for (let t = 0; t < T; t++) wts[t] = keptMask === null || keptMask[ids[t]] ? 1 : 0;
        gpu.device.queue.writeBuffer(p.batches[b].ids, 0, ids);
        gpu.upload(weights[b], wts);
      }
      await runDecoder(gpu, m, p, count, S, {
        hooks: { onFfnIntermediate: (l, h, r, b) => ffnStats(gpu, r, h, weights[b], sumW[l], sumA[l]) },
        onLayer: (l) => opts.onProgress?.({ phase: 'calibrate', done: w0 * S + ((l + 1) / L) * count * T, total, unit: 'tokens' }),
        finalNorm: withMass,
        lastLayerOutputUnused: !withMass, // only the FFN statistics are read
      });
      await head?.record(p, count);
      lap('record');
      const last = w0 + B * G >= cal.samples;
      // the read of the sums waits for the last group itself: one round trip fewer
      if (!last) await gpu.device.queue.onSubmittedWorkDone();
      lap('wait');
      if (!last) opts.onProgress?.({ phase: 'calibrate', done: (w0 + count * B) * S, total, unit: 'tokens' });
    }
    const sums = (await gpu.readMany([...sumW, ...sumA, ...(head ? [head.sumsTensor] : [])])).map((a) => Float64Array.from(a));
    lap('read');
    opts.onProgress?.({ phase: 'calibrate', done: total, total, unit: 'tokens' });
    return { commonAct2: sums.slice(0, L), act2: sums.slice(L, 2 * L), ...(head ? { mass: sums[2 * L] } : {}) };
  } finally {
    destroyPassBuffers(gpu, p);
    head?.destroy();
    for (const t of [...weights, ...sumW, ...sumA]) gpu.destroy(t);
  }
}
