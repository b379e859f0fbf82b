// Rotary position embedding, in place, HF rotate_half convention.
import code from '../../../shaders/nn/rope.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2 } from './checks';
import { grid1d, uniforms } from './grid';

export interface RopeOptions {
  heads: number;
  headDim: number;
  /** Rows are B sequences of seqLen tokens: position = t % seqLen + positionOffset. */
  seqLen: number;
  positionOffset?: number;
  /** [E/2] inverse frequencies (HF rotary_emb.inv_freq, after any rope_scaling). */
  invFreq: Tensor;
  /** HF attention_scaling (1 unless yarn/longrope): multiplies cos and sin. */
  attentionScaling: number;
}

const WG = 256;

/** x [T, H*E] rotated in place. */
export function rope(gpu: Gpu, rec: Recorder, x: Tensor, opts: RopeOptions): void {
  const op = 'rope';
  const [T, cols] = dims2(op, 'x', x);
  const { heads: H, headDim: E, seqLen } = opts;
  if (E % 2 !== 0 || E <= 0) throw new ShapeError(op, `headDim ${E} must be even`);
  if (cols !== H * E) throw new ShapeError(op, `x must be [T, heads*headDim] = [T, ${H * E}]`, { x: x.shape });
  if (opts.invFreq.shape.length !== 1 || opts.invFreq.shape[0] !== E / 2) throw new ShapeError(op, `invFreq must be [headDim/2] = [${E / 2}]`, { invFreq: opts.invFreq.shape });
  if (!(seqLen > 0) || T % seqLen !== 0) throw new ShapeError(op, `T must be a multiple of seqLen ${seqLen}`, { x: x.shape });
  const n = (T * H * E) / 2;
  const params = uniforms([
    ['u32', T],
    ['u32', H],
    ['u32', E],
    ['u32', seqLen],
    ['u32', opts.positionOffset ?? 0],
    ['f32', opts.attentionScaling],
  ]);
  rec.dispatch(gpu.pipeline('nn/rope', code, { WG }), [x.buffer, opts.invFreq.buffer], grid1d(gpu, n, WG), params);
}
