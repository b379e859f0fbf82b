// The forward pass, one function per block, reading like the math.
// T tokens = B independent windows of S positions (positions restart at 0 in each).
// Blocks take their layer's weights explicitly: pass.ts runs them layer by layer over many
// batches from any weight source; recordForward runs a resident model's whole stack at once.
import type { Gpu, Recorder } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { addInPlace, attention, embedding, gatedProjection, matmul, rmsNorm, rope } from '../gpu/ops';
import type { Precision } from '../gpu/ops/matmul';
import type { ModelSpec, RopeTable } from './spec-types';
import type { LayerWeights, ModelWeights, VocabChunk } from './load';
import type { WeightSource } from './weight-source';

export interface LoadedModel {
  spec: ModelSpec;
  /** where the weights come from: resident on the GPU, or streamed layer by layer. */
  source: WeightSource;
  /** current FFN width (I, or I' for a pruned model) and vocabulary size (V or V'). */
  intermediate: number;
  vocabSize: number;
  /** rope inverse frequencies on the GPU: [E/2] each. */
  invFreqFull: Tensor;
  invFreqSliding: Tensor;
  /** matmul precision of the projections: exact f32 (default) or fast (tensor cores where offered). */
  precision?: Precision;
}

/** The model's weights when they are all on the GPU; paths that need that (KV-cache decoding) call this. */
export function residentWeights(m: LoadedModel, what: string): ModelWeights {
  if (!m.source.resident) throw new NotResidentError(what);
  return m.source.resident;
}

/** A path that needs the whole model on the GPU was asked of a streamed model. */
export class NotResidentError extends Error {
  constructor(readonly what: string) {
    super(`${what} needs the whole model on the GPU, but it runs streamed layer by layer under the GPU memory budget: raise the budget (--gpu-memory, or the studio's GPU memory setting) to run it`);
    this.name = 'NotResidentError';
  }
}

export function uploadRope(gpu: Gpu, r: RopeTable, label: string): Tensor {
  return gpu.tensor([r.invFreq.length], label, r.invFreq);
}

/** Activation scratch for T tokens, reused across layers and batches. */
export interface Scratch {
  T: number;
  x: Tensor; // [T, D] residual stream
  xn: Tensor; // [T, D] normed
  q: Tensor; // [T, H*E]
  k: Tensor; // [T, K*E]
  v: Tensor; // [T, K*E]
  attn: Tensor; // [T, H*E]
  o: Tensor; // [T, D]
  gate: Tensor; // [T, I]
  up: Tensor; // [T, I]
  h: Tensor; // [T, I]  act(gate) * up: the input of down_proj
  ids: GPUBuffer; // u32 [T]
}

export function createScratch(gpu: Gpu, m: LoadedModel, T: number): Scratch {
  const { hidden: D, heads: H, kvHeads: K, headDim: E } = m.spec;
  const I = m.intermediate;
  return {
    T,
    x: gpu.tensor([T, D], 'x'),
    xn: gpu.tensor([T, D], 'xn'),
    q: gpu.tensor([T, H * E], 'q'),
    k: gpu.tensor([T, K * E], 'k'),
    v: gpu.tensor([T, K * E], 'v'),
    attn: gpu.tensor([T, H * E], 'attn'),
    o: gpu.tensor([T, D], 'o'),
    gate: gpu.tensor([T, I], 'gate'),
    up: gpu.tensor([T, I], 'up'),
    h: gpu.tensor([T, I], 'h'),
    ids: gpu.u32Buffer(T, 'ids'),
  };
}

export function destroyScratch(gpu: Gpu, s: Scratch): void {
  for (const t of [s.x, s.xn, s.q, s.k, s.v, s.attn, s.o, s.gate, s.up, s.h]) gpu.destroy(t);
  gpu.destroy(s.ids);
}

/** A view of a tensor with another shape over the same buffer (at most its element count). */
export function view(t: Tensor, shape: number[]): Tensor {
  return { buffer: t.buffer, shape, label: t.label, dtype: t.dtype };
}

/** The temporaries of `shared` (sized for >= T tokens) as a scratch for one batch with its own ids and x. */
export function batchScratch(shared: Scratch, T: number, ids: GPUBuffer, x: Tensor): Scratch {
  const rows = (t: Tensor) => view(t, [T, t.shape[1]]);
  return {
    T,
    x,
    ids,
    xn: rows(shared.xn),
    q: rows(shared.q),
    k: rows(shared.k),
    v: rows(shared.v),
    attn: rows(shared.attn),
    o: rows(shared.o),
    gate: rows(shared.gate),
    up: rows(shared.up),
    h: rows(shared.h),
  };
}

export interface ForwardHooks {
  /** called with h = act(gate x) * (up x), [T, I], for every layer and batch, inside the same recorder. */
  onFfnIntermediate?: (layer: number, h: Tensor, rec: Recorder, batch: number) => void;
  /** called with the residual stream x [T, D] after layer `layer` (-1: after the embedding, the input of layer 0). */
  onLayerOutput?: (layer: number, x: Tensor, rec: Recorder, batch: number) => void;
}

/** x[t] = row ids[t] of one embedding chunk (rows outside it are left for the other chunks). */
export function recordEmbedChunk(gpu: Gpu, rec: Recorder, m: LoadedModel, s: Scratch, c: VocabChunk): void {
  embedding(gpu, rec, c.table, s.ids, s.x, { scale: m.spec.embedScale, rowOffset: c.rowOffset });
}

/**
 * Per-layer key/value cache for incremental decoding of ONE sequence: k[l], v[l] are
 * [maxLen, K*E]; the current tokens sit at positions pos .. pos+T-1.
 */
export interface KvCache {
  k: Tensor[];
  v: Tensor[];
  pos: number;
}

export function createKvCache(gpu: Gpu, m: LoadedModel, maxLen: number): KvCache {
  const { layers: L, kvHeads: K, headDim: E } = m.spec;
  return {
    k: Array.from({ length: L }, (_, l) => gpu.tensor([maxLen, K * E], `k cache L${l}`)),
    v: Array.from({ length: L }, (_, l) => gpu.tensor([maxLen, K * E], `v cache L${l}`)),
    pos: 0,
  };
}

export function destroyKvCache(gpu: Gpu, c: KvCache): void {
  for (const t of [...c.k, ...c.v]) gpu.destroy(t);
}

function attentionBlock(gpu: Gpu, rec: Recorder, m: LoadedModel, s: Scratch, l: number, w: LayerWeights, seqLen: number, cache?: KvCache): void {
  const { spec } = m;
  const { heads: H, kvHeads: K, headDim: E, rmsEps: eps, normPlusOne: plusOne } = spec;
  const T = s.T;
  rmsNorm(gpu, rec, s.x, w.attnNorm!, s.xn, { eps, plusOne });
  matmul(gpu, rec, s.xn, w.q!, s.q, { bias: w.qBias, precision: m.precision });
  matmul(gpu, rec, s.xn, w.k!, s.k, { bias: w.kBias, precision: m.precision });
  matmul(gpu, rec, s.xn, w.v!, s.v, { bias: w.vBias, precision: m.precision });
  if (spec.qkNorm) {
    // per-head RMSNorm: view [T, H*E] as [T*H, E]; q and k normalised in place via attn/o scratch
    rmsNorm(gpu, rec, view(s.q, [T * H, E]), w.qNorm!, view(s.attn, [T * H, E]), { eps, plusOne });
    copyTensor(rec, s.attn, s.q, T * H * E);
    rmsNorm(gpu, rec, view(s.k, [T * K, E]), w.kNorm!, view(s.attn, [T * K, E]), { eps, plusOne });
    copyTensor(rec, s.attn, s.k, T * K * E);
  }
  const sliding = spec.layerKinds[l] === 'sliding';
  const table = sliding ? spec.ropeSliding : spec.ropeFull;
  const invFreq = sliding ? m.invFreqSliding : m.invFreqFull;
  const positionOffset = cache?.pos ?? 0;
  rope(gpu, rec, s.q, { heads: H, headDim: E, seqLen, positionOffset, invFreq, attentionScaling: table.attentionScaling });
  rope(gpu, rec, s.k, { heads: K, headDim: E, seqLen, positionOffset, invFreq, attentionScaling: table.attentionScaling });
  let keys = s.k;
  let values = s.v;
  if (cache) {
    // append this step's T rows to the cache; attend over positions 0 .. pos+T-1
    const rowBytes = K * E * 4;
    rec.encoder.copyBufferToBuffer(s.k.buffer, 0, cache.k[l].buffer, cache.pos * rowBytes, T * rowBytes);
    rec.encoder.copyBufferToBuffer(s.v.buffer, 0, cache.v[l].buffer, cache.pos * rowBytes, T * rowBytes);
    keys = cache.k[l];
    values = cache.v[l];
  }
  attention(gpu, rec, s.q, keys, values, s.attn, {
    kvLen: cache ? cache.pos + T : seqLen,
    heads: H,
    kvHeads: K,
    headDim: E,
    seqLen,
    scale: spec.attnScale,
    softcap: spec.attnSoftcap,
    slidingWindow: sliding ? spec.slidingWindow : null,
  });
  if (spec.sandwichNorms) {
    matmul(gpu, rec, s.attn, w.o!, s.o, { bias: w.oBias, precision: m.precision });
    rmsNorm(gpu, rec, s.o, w.postAttnNorm!, s.xn, { eps, plusOne });
    addInPlace(gpu, rec, s.x, s.xn);
  } else matmul(gpu, rec, s.attn, w.o!, s.x, { bias: w.oBias, precision: m.precision, accumulate: true }); // x += o_proj(attn)
}

/** The FFN; with outputUnused it stops at h (the hooks' input): the caller reads nothing of x after this layer. */
function ffnBlock(gpu: Gpu, rec: Recorder, m: LoadedModel, s: Scratch, l: number, w: LayerWeights, hooks: ForwardHooks | undefined, batch: number, outputUnused: boolean): void {
  const { rmsEps: eps, normPlusOne: plusOne } = m.spec;
  rmsNorm(gpu, rec, s.x, w.preFfnNorm!, s.xn, { eps, plusOne });
  gatedProjection(gpu, rec, s.xn, w.gate!, w.up!, s.h, { kind: m.spec.activation, gateBias: w.gateBias, upBias: w.upBias, precision: m.precision, gate: s.gate, up: s.up });
  hooks?.onFfnIntermediate?.(l, s.h, rec, batch);
  if (outputUnused) return;
  if (m.spec.sandwichNorms) {
    matmul(gpu, rec, s.h, w.down!, s.o, { bias: w.downBias, precision: m.precision });
    rmsNorm(gpu, rec, s.o, w.postFfnNorm!, s.xn, { eps, plusOne });
    addInPlace(gpu, rec, s.x, s.xn);
  } else matmul(gpu, rec, s.h, w.down!, s.x, { bias: w.downBias, precision: m.precision, accumulate: true }); // x += down_proj(h)
}

function copyTensor(rec: Recorder, src: Tensor, dst: Tensor, count: number): void {
  rec.encoder.copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, count * 4);
}

/**
 * One decoder layer (attention, then FFN) over the tokens of s. outputUnused: the layer's output
 * (x after it) is never read, only what the FFN hook sees: its down projection is skipped.
 */
export function recordLayer(gpu: Gpu, rec: Recorder, m: LoadedModel, s: Scratch, l: number, w: LayerWeights, seqLen: number, hooks?: ForwardHooks, batch = 0, cache?: KvCache, outputUnused = false): void {
  if (outputUnused && hooks?.onLayerOutput) throw new Error(`recordLayer: layer ${l}'s output is hooked, so it cannot be skipped`);
  attentionBlock(gpu, rec, m, s, l, w, seqLen, cache);
  ffnBlock(gpu, rec, m, s, l, w, hooks, batch, outputUnused);
  hooks?.onLayerOutput?.(l, s.x, rec, batch);
}

export function recordFinalNorm(gpu: Gpu, rec: Recorder, m: LoadedModel, finalNorm: Tensor, x: Tensor, out: Tensor): void {
  rmsNorm(gpu, rec, x, finalNorm, out, { eps: m.spec.rmsEps, plusOne: m.spec.normPlusOne });
}

/**
 * Records a RESIDENT model's whole stack for the ids already in s.ids (decoding, latency,
 * full logits); leaves the final-normed hidden states in s.xn ([T, D]) unless finalNorm is false.
 * With a KV cache (one sequence), the tokens sit at positions cache.pos.. and attend to the cache.
 * Passes over many windows, resident or streamed, go through pass.ts.
 */
export function recordForward(
  gpu: Gpu,
  rec: Recorder,
  m: LoadedModel,
  s: Scratch,
  seqLen: number,
  hooks?: ForwardHooks,
  finalNorm = true,
  cache?: KvCache,
): void {
  const weights = residentWeights(m, 'this forward pass');
  if (cache && s.T !== seqLen) throw new Error(`forward with a KV cache runs one sequence: T=${s.T} must equal the window ${seqLen}`);
  if (s.T % seqLen !== 0) throw new Error(`forward: T=${s.T} is not a multiple of the window length ${seqLen}`);
  for (const c of weights.embed) recordEmbedChunk(gpu, rec, m, s, c);
  hooks?.onLayerOutput?.(-1, s.x, rec, 0);
  for (let l = 0; l < m.spec.layers; l++) recordLayer(gpu, rec, m, s, l, weights.layers[l], seqLen, hooks, 0, cache);
  if (finalNorm) recordFinalNorm(gpu, rec, m, weights.finalNorm, s.x, s.xn);
}

/** logits[r, :] for hidden rows [T0, T0+Tc) of s.xn into `logits` [Tc, V] (resident, vocab-split LM head). */
export function recordLogits(gpu: Gpu, rec: Recorder, m: LoadedModel, s: Scratch, T0: number, hiddenChunk: Tensor, logits: Tensor): void {
  const Tc = hiddenChunk.shape[0];
  const D = m.spec.hidden;
  rec.encoder.copyBufferToBuffer(s.xn.buffer, T0 * D * 4, hiddenChunk.buffer, 0, Tc * D * 4);
  for (const c of residentWeights(m, 'full logits').lmHead) matmul(gpu, rec, hiddenChunk, c.table, logits, { outColOffset: c.rowOffset });
}
