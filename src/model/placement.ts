// Resident or streamed? What a pass needs on the GPU, against the GPU memory budget.
//   resident: every weight in its stored dtype + the activations of at least one window + head
//   streamed: two decoder-layer slots + two vocabulary-chunk slots + activations + head
// WebGPU does not say how much memory a GPU has, so the budget is the user's (--gpu-memory, the
// studio setting) or a default from the adapter's limits (defaultGpuBudget).
import type { Gpu } from '../gpu/context';
import type { Checkpoint } from '../io/checkpoint';
import { gpuDtype, gpuTensorBytes } from './load';
import type { ModelSpec } from './spec-types';
import { layerSlotBytes } from './streamed-source';
import type { WeightRef } from './weights';

/** A window the placement must fit: a resident model gets one of 512 tokens (the default
 *  calibration sample), a streamed one at least 128 (longer windows still run, one per batch). */
export const PLACEMENT_WINDOW = 512;
const MIN_STREAMED_WINDOW = 128;
/** Room kept free for pipelines, uniforms, timers and the allocator's slack: a sixteenth of the
 *  weights, between 1 and 32 MiB (a property of the model, so the needs do not move with the budget). */
export function reserveFor(weightBytes: number): number {
  return Math.min(32 << 20, Math.max(1 << 20, Math.round(weightBytes / 16)));
}
/** Resident passes gain nothing from batches beyond this (and stay well within one binding). */
const MAX_RESIDENT_ACTIVATIONS = 2 ** 31;

export interface PlacementPlan {
  mode: 'resident' | 'streamed';
  budgetBytes: number;
  weightBytes: number;
  residentNeedBytes: number;
  streamedNeedBytes: number;
  /** GPU bytes passes may use for activations and the LM head. */
  activationBytes: number;
  /** rows per vocabulary chunk slot when streamed. */
  vocabChunkRows: number;
  reason: string;
}

export class BudgetTooSmallError extends Error {
  constructor(
    readonly budgetBytes: number,
    readonly neededBytes: number,
  ) {
    super(
      `the GPU memory budget of ${formatBytes(budgetBytes)} is too small even to stream this model one layer at a time ` +
        `(that needs at least ${formatBytes(neededBytes)}): raise the budget (--gpu-memory, or the studio's GPU memory setting) to ${formatBytes(neededBytes)} or more`,
    );
    this.name = 'BudgetTooSmallError';
  }
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'unlimited';
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

/** A safe share of what the adapter allows when nothing better is known: 75% of maxBufferSize, at most 8 GiB. */
export function defaultGpuBudget(limits: Pick<GPUSupportedLimits, 'maxBufferSize'>): number {
  return Math.max(256 << 20, Math.min(8 * 2 ** 30, Math.floor(limits.maxBufferSize * 0.75)));
}

/** Activations of one window of S tokens plus the smallest useful LM-head step. */
function windowBytes(spec: ModelSpec, intermediate: number, S: number): number {
  const { hidden: D, heads: H, kvHeads: K, headDim: E } = spec;
  return 4 * S * (3 * D + 2 * H * E + 2 * K * E + 3 * intermediate) + 4 * S * 10 + (1 << 20);
}

export function planPlacement(gpu: Gpu, spec: ModelSpec, ckpt: Checkpoint, refs: WeightRef[], budgetBytes: number): PlacementPlan {
  const weightBytes = refs.reduce((a, r) => a + gpuTensorBytes(r, ckpt.entries.get(r.name)!.dtype), 0);
  const reserve = reserveFor(weightBytes);
  const oneWindow = windowBytes(spec, spec.intermediate, PLACEMENT_WINDOW);
  const residentNeedBytes = weightBytes + oneWindow + reserve;
  // streamed: two layer slots and two vocabulary-chunk slots of about a sixteenth of the budget
  const embed = refs.find((r) => r.role === 'embed')!;
  const elem = gpuDtype('embed', ckpt.entries.get(embed.name)!.dtype) === 'f32' ? 4 : 2;
  const rowBytes = spec.hidden * elem;
  const bindingRows = Math.floor(Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize) / rowBytes);
  const chunkTarget = Math.max(1 << 20, Math.min(256 << 20, Number.isFinite(budgetBytes) ? budgetBytes / 16 : 256 << 20));
  const vocabChunkRows = Math.max(1, Math.min(spec.vocabSize, bindingRows, Math.floor(chunkTarget / rowBytes)));
  const slots = 2 * layerSlotBytes(refs, ckpt.entries) + 2 * vocabChunkRows * rowBytes;
  const streamedNeedBytes = slots + windowBytes(spec, spec.intermediate, MIN_STREAMED_WINDOW) + reserve;
  const budget = `the ${formatBytes(budgetBytes)} budget`;
  if (residentNeedBytes <= budgetBytes) {
    return {
      mode: 'resident',
      budgetBytes,
      weightBytes,
      residentNeedBytes,
      streamedNeedBytes,
      activationBytes: Math.min(MAX_RESIDENT_ACTIVATIONS, budgetBytes - weightBytes - reserve),
      vocabChunkRows,
      reason: `the weights (${formatBytes(weightBytes)}) and a calibration window's activations fit ${budget}: the whole model stays on the GPU`,
    };
  }
  if (streamedNeedBytes > budgetBytes) throw new BudgetTooSmallError(budgetBytes, streamedNeedBytes);
  return {
    mode: 'streamed',
    budgetBytes,
    weightBytes,
    residentNeedBytes,
    streamedNeedBytes,
    activationBytes: budgetBytes - slots - reserve,
    vocabChunkRows,
    reason:
      `the weights (${formatBytes(weightBytes)}) do not fit ${budget} with room for activations: passes run layer by layer, ` +
      `one decoder layer (${formatBytes(layerSlotBytes(refs, ckpt.entries))}) uploaded at a time from the files`,
  };
}
