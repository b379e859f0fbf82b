// Causal multi-head attention (GQA, softcap, sliding window), prefill and decode.
import code from '../../../shaders/nn/attention.wgsl?raw';
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
}

const BQ = 64;

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
  // keys staged per block: K and V tiles of BKV x E floats must fit workgroup memory
  const bkv = Math.max(1, Math.min(32, Math.floor(gpu.limits.maxComputeWorkgroupStorageSize / (2 * E * 4))));
  const source = code.replace(/const E: u32 = \d+u;/, `const E: u32 = ${E}u;`);
  const pipeline = gpu.pipeline(`nn/attention/E${E}`, source, { BQ, BKV: bkv });
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
  rec.dispatch(pipeline, [q.buffer, k.buffer, v.buffer, out.buffer], [Math.ceil(seqLen / BQ), H, B], params);
}
