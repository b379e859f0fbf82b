// Causal multi-head attention (GQA, softcap, sliding window), prefill and decode.
import code from '../../../shaders/nn/attention.wgsl?raw';
import decodeCode from '../../../shaders/nn/attention_decode.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2, expectDistinct } from './checks';
import { uniforms } from './grid';

export interface AttentionOptions {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Queries per sequence: q holds B = T / seqLen independent sequences. */
  seqLen: number;
  scale: number;
  /** gemma2: s = softcap * tanh(s / softcap) before masking. */
  softcap?: number | null;
  /** Key j visible from query position i when i - j < slidingWindow. */
  slidingWindow?: number | null;
  /**
   * Decode / chunked prefill with a KV cache. Layout: k and v are [B * cacheRows, K*E], with
   * cacheRows = Tk / B; sequence b's keys sit at rows b*cacheRows + j for j < kvLen, and its
   * seqLen queries are the last seqLen positions (kvLen - seqLen .. kvLen - 1).
   * Default kvLen = seqLen (prefill: k and v have the same rows as q).
   */
  kvLen?: number;
  /** tuning (benchmarks): keys staged per block and queries per workgroup of the prefill kernel; defaults below */
  keysPerBlock?: number;
  queriesPerBlock?: number;
}

/** Up to this many queries per sequence use the decode kernel (threads over keys, not queries). */
export const DECODE_MAX_QUERIES = 4;
const DECODE_WG = 128;
const MAX_BKV = 16;
/** keys per block when one thread owns a query: 8, with 128 queries per workgroup, ran 2.7x faster
 *  than 32 with 64 on the H200 at E = 64 (0.63 vs 1.68 ms, Qwen2.5-0.5B's shape over [16, 512]):
 *  fewer live registers per thread, more threads sharing each staged key */
const MAX_BKV_SINGLE = 8;
const BQ_SINGLE = 128;

/** Threads per query in the prefill kernel: the smallest divisor of E/4 leaving <= 16 vec4s (64 floats) each. */
function splitFor(E4: number): number {
  for (let s = 1; s <= E4; s++) if (E4 % s === 0 && E4 / s <= 16) return s;
  return E4;
}

/** out [T, H*E] = softmax(mask(scale q k^T)) v per head; q [T, H*E], k and v [Tk, K*E]. */
export function attention(gpu: Gpu, rec: Recorder, q: Tensor, k: Tensor, v: Tensor, out: Tensor, opts: AttentionOptions): void {
  const op = 'attention';
  const { heads: H, kvHeads: K, headDim: E, seqLen } = opts;
  const [T, qCols] = dims2(op, 'q', q);
  const [Tk, kCols] = dims2(op, 'k', k);
  const [Tv, vCols] = dims2(op, 'v', v);
  const shapes = { q: q.shape, k: k.shape, v: v.shape, out: out.shape };
  if (E % 4 !== 0) throw new ShapeError(op, `headDim ${E} must be a multiple of 4`);
  if (K <= 0 || H % K !== 0) throw new ShapeError(op, `heads ${H} must be a multiple of kvHeads ${K}`);
  if (qCols !== H * E || kCols !== K * E || vCols !== K * E) throw new ShapeError(op, 'q must be [T, H*E], k and v [Tk, K*E]', shapes);
  if (Tv !== Tk) throw new ShapeError(op, 'k and v must have the same rows', shapes);
  if (out.shape.length !== 2 || out.shape[0] !== T || out.shape[1] !== H * E) throw new ShapeError(op, 'out must have the shape of q', shapes);
  if (!(seqLen > 0) || T % seqLen !== 0) throw new ShapeError(op, `T must be a multiple of seqLen ${seqLen}`, shapes);
  const B = T / seqLen;
  const kvLen = opts.kvLen ?? seqLen;
  if (Tk % B !== 0) throw new ShapeError(op, `k rows must be B=${B} equal cache blocks`, shapes);
  const cacheRows = Tk / B;
  if (kvLen < seqLen || kvLen > cacheRows) throw new ShapeError(op, `kvLen ${kvLen} must be in [seqLen ${seqLen}, cache rows per sequence ${cacheRows}]`, shapes);
  expectDistinct(op, { q: q.buffer, out: out.buffer });
  expectDistinct(op, { k: k.buffer, out: out.buffer });
  expectDistinct(op, { v: v.buffer, out: out.buffer });
  const window = opts.slidingWindow ?? 0;
  const softcap = opts.softcap ?? 0;
  const params = uniforms([
    ['u32', H],
    ['u32', K],
    ['u32', seqLen],
    ['u32', kvLen],
    ['u32', cacheRows],
    ['u32', window],
    ['f32', opts.scale],
    ['f32', softcap],
  ]);
  const bindings = [q.buffer, k.buffer, v.buffer, out.buffer];
  const E4 = E / 4;
  if (seqLen <= DECODE_MAX_QUERIES && E4 <= DECODE_WG && T <= gpu.limits.maxComputeWorkgroupsPerDimension) {
    rec.dispatch(gpu.pipeline('nn/attention_decode', decodeCode, { WG: DECODE_WG, E4 }), bindings, [T, H], params);
    return;
  }
  const split = splitFor(E4);
  const bq = opts.queriesPerBlock ?? (split === 1 && seqLen >= BQ_SINGLE ? BQ_SINGLE : split <= 4 ? 64 : Math.max(1, Math.floor(256 / split)));
  // K and V tiles (BKV x E each) plus partial scores (threads x BKV, only when SPLIT > 1) must fit workgroup memory
  const perKey = 8 * E + (split > 1 ? 4 * bq * split : 0);
  const bkv = Math.max(1, Math.min(opts.keysPerBlock ?? (split > 1 ? MAX_BKV : MAX_BKV_SINGLE), Math.floor((gpu.limits.maxComputeWorkgroupStorageSize - 16) / perKey)));
  const source = code
    .replace(/const E: u32 = \d+u;/, `const E: u32 = ${E}u;`)
    .replace(/const SPLIT: u32 = \d+u;/, `const SPLIT: u32 = ${split}u;`)
    .replace(/const BKV: u32 = \d+u;/, `const BKV: u32 = ${bkv}u;`)
    .replace(/const PARTIAL: u32 = \d+u;/, `const PARTIAL: u32 = ${split > 1 ? bq * split * bkv : 1}u;`);
  const pipeline = gpu.pipeline(`nn/attention/E${E}/S${split}/B${bkv}`, source, { BQ: bq });
  rec.dispatch(pipeline, bindings, [Math.ceil(seqLen / bq), H, B], params);
}
