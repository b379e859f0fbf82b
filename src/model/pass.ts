// A pass over many windows of S tokens, resident or streamed. The windows are split into
// batches of B windows (as many as the activation budget allows), and batches into groups whose
// residual streams all stay on the GPU. The decoder runs layer-major over a group: embedding
// chunks, then layer 0 for every batch, layer 1, ... so each layer's weights are fetched once
// per group (a streamed source uploads them while the previous layer runs). Per batch the kernels
// and their order are those of a one-batch pass, so streamed results equal resident ones.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { batchScratch, createScratch, destroyScratch, recordEmbedChunk, recordFinalNorm, recordLayer, type ForwardHooks, type LoadedModel, type Scratch } from './forward';

/** One batch of windows: its ids [T] and residual stream x [T, D]. */
export interface Batch {
  T: number;
  ids: GPUBuffer;
  x: Tensor;
}

/** The buffers of a pass: shared per-batch temporaries and a group of batches. */
export interface PassBuffers {
  shared: Scratch;
  batches: Batch[];
}

/** Bytes of activations per token of one batch: x, xn, q, k, v, attn, o (D-, HE- and KE-wide) and gate, up, h (I-wide). */
export function activationBytesPerToken(m: Pick<LoadedModel, 'spec' | 'intermediate'>): number {
  const { hidden: D, heads: H, kvHeads: K, headDim: E } = m.spec;
  return 4 * (3 * D + 2 * H * E + 2 * K * E + 3 * m.intermediate);
}

/**
 * GPU bytes the fast matmul's f16 staging adds (matmul.ts: every projection's input as f16, the
 * weights as an f16 copy, each padded to 128-row tiles; the scratch is reused, so the largest
 * counts): per token of a batch, and fixed. Zero unless the projections run on tensor cores.
 */
export function fastStagingBytes(gpu: Gpu, m: Pick<LoadedModel, 'spec' | 'intermediate' | 'precision'>): { perToken: number; fixed: number } {
  if (m.precision !== 'fast' || !gpu.hasFastMatmul) return { perToken: 0, fixed: 0 };
  const { hidden: D, heads: H, headDim: E } = m.spec;
  const I = m.intermediate;
  const kp = (k: number) => Math.ceil(k / 32) * 32; // the staged row length
  const widestIn = kp(Math.max(D, H * E, I)); // K of xn, attn and h
  // [N, K] of q (and o transposed), gate/up and down, each padded to 128-row tiles + a spare row
  const weights = Math.max((H * E + 256) * kp(D), (I + 256) * kp(D), (D + 256) * kp(Math.max(H * E, I)));
  return { perToken: 2 * widestIn, fixed: 2 * weights + 2 * 256 * widestIn };
}

/** Windows per batch: as many as fit (maxB), spread evenly so the last batch is not mostly padding. */
export function evenBatchSize(windows: number, maxB: number): number {
  const fit = Math.max(1, Math.min(windows, maxB));
  return Math.ceil(windows / Math.ceil(windows / fit));
}

export interface PassShape {
  /** windows per batch */
  batchWindows: number;
  /** batches whose residual streams are kept at once (1 when resident: no reason to keep more) */
  groupBatches: number;
}

/**
 * Batch and group sizes for `windows` windows of `seqLen` within `activationBytes`. A batch's
 * temporaries stay within half a storage binding (the widest is [T, max(I, H*E)]); a streamed
 * group keeps as many residual streams [B*S, D] as fit beside them, so the weights are read once
 * per group.
 */
export function passShape(gpu: Gpu, m: LoadedModel, seqLen: number, windows: number, activationBytes: number, extraBytesPerToken = 0): PassShape {
  const { hidden: D, heads: H, headDim: E } = m.spec;
  const widest = Math.max(m.intermediate, H * E, D);
  const bindingCap = Math.floor(Math.min(gpu.limits.maxStorageBufferBindingSize, 2 ** 31) / 2 / (widest * 4 * seqLen));
  const staging = fastStagingBytes(gpu, m);
  activationBytes -= staging.fixed;
  const perWindow = (activationBytesPerToken(m) + staging.perToken + extraBytesPerToken) * seqLen;
  const fit = Math.max(1, Math.min(bindingCap, Math.floor(activationBytes / perWindow)));
  const B = evenBatchSize(windows, fit);
  if (m.source.resident) return { batchWindows: B, groupBatches: 1 };
  const batches = Math.ceil(windows / B);
  const residual = (4 * D + extraBytesPerToken) * B * seqLen;
  const room = activationBytes - perWindow * B; // what the temporaries leave for kept residual streams
  return { batchWindows: B, groupBatches: Math.max(1, Math.min(batches, Math.floor(room / residual) + 1)) };
}

export function createPassBuffers(gpu: Gpu, m: LoadedModel, batchTokens: number, groupBatches: number): PassBuffers {
  const shared = createScratch(gpu, m, batchTokens);
  const batches: Batch[] = [{ T: batchTokens, ids: shared.ids, x: shared.x }];
  for (let b = 1; b < groupBatches; b++) {
    batches.push({ T: batchTokens, ids: gpu.u32Buffer(batchTokens, `ids ${b}`), x: gpu.tensor([batchTokens, m.spec.hidden], `x ${b}`) });
  }
  return { shared, batches };
}

export function destroyPassBuffers(gpu: Gpu, p: PassBuffers): void {
  for (const b of p.batches.slice(1)) {
    gpu.destroy(b.ids);
    gpu.destroy(b.x);
  }
  destroyScratch(gpu, p.shared);
}

export interface DecoderOptions {
  hooks?: ForwardHooks;
  /** leave the final-normed hidden states in each batch's x (the LM head's input). */
  finalNorm?: boolean;
  /** the caller reads only what the hooks see, nothing of x after the last layer: its FFN stops at
   *  the intermediate h (calibration statistics; the down projection would be dead work). */
  lastLayerOutputUnused?: boolean;
  /** called between layers of a streamed pass (progress; may throw to cancel). */
  onLayer?: (layer: number) => void;
}

/**
 * Runs embedding and every decoder layer over the first `count` batches of `p` (their ids
 * already written), layer-major, one submit per layer.
 */
export async function runDecoder(gpu: Gpu, m: LoadedModel, p: PassBuffers, count: number, seqLen: number, opts: DecoderOptions = {}): Promise<void> {
  const batches = p.batches.slice(0, count);
  const scratch = batches.map((b) => batchScratch(p.shared, b.T, b.ids, b.x));
  const { source } = m;
  const L = m.spec.layers;
  const resident = source.resident !== null;
  let rec = gpu.recorder('pass: embedding');
  await source.forEachVocabChunk('embed', (c) => {
    for (const s of scratch) recordEmbedChunk(gpu, rec, m, s, c);
    if (!resident) {
      rec.submit();
      rec = gpu.recorder('pass: embedding');
    }
  });
  scratch.forEach((s, b) => opts.hooks?.onLayerOutput?.(-1, s.x, rec, b));
  for (let l = 0; l < L; l++) {
    const w = await source.layer(l, l + 1 < L ? l + 1 : undefined);
    const outputUnused = l === L - 1 && opts.lastLayerOutputUnused === true;
    if (outputUnused && opts.finalNorm) throw new Error('runDecoder: finalNorm reads the last layer\'s output, so it cannot be unused');
    scratch.forEach((s, b) => recordLayer(gpu, rec, m, s, l, w, seqLen, opts.hooks, b, undefined, outputUnused));
    // a submit per layer: the GPU starts on layer l while the CPU records layer l + 1 (one submit
    // for the whole stack left the H200 idle for the ~12 ms it takes to record 24 layers)
    rec.submit();
    if (!resident) {
      source.release(l);
      opts.onLayer?.(l);
    }
    rec = gpu.recorder(`pass: layer ${l + 1}`);
  }
  if (opts.finalNorm) {
    for (const s of scratch) {
      recordFinalNorm(gpu, rec, m, source.finalNorm, s.x, s.xn);
      rec.encoder.copyBufferToBuffer(s.xn.buffer, 0, s.x.buffer, 0, s.T * m.spec.hidden * 4);
    }
  }
  rec.submit();
}
