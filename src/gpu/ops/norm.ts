// RMSNorm over the last dimension (Llama; gemma's (1 + w) with plusOne).
import code from '../../../shaders/nn/rms_norm.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import { numel, type Tensor } from '../tensor';
import { expectNumel } from './checks';
import { foldGroups, uniforms } from './grid';

export interface RmsNormOptions {
  eps: number;
  plusOne: boolean;
  /** Rows to normalise; defaults to numel(x) / C. Per-head q/k norm: x [T, H*E], w [E], rows T*H. */
  rows?: number;
}

const WG = 64;

/** out = x * rsqrt(mean(x^2) + eps) * w over rows of C = w.shape[0]; out must be a separate buffer from x. */
export function rmsNorm(gpu: Gpu, rec: Recorder, x: Tensor, w: Tensor, out: Tensor, opts: RmsNormOptions): void {
  const op = 'rmsNorm';
  if (w.shape.length !== 1 || w.shape[0] === 0) throw new ShapeError(op, 'w must be a non-empty [C]', { w: w.shape });
  const C = w.shape[0];
  const total = numel(x.shape);
  const R = opts.rows ?? total / C;
  if (!Number.isInteger(R) || R * C !== total) throw new ShapeError(op, `x does not split into rows of C=${C}${opts.rows ? ` x ${opts.rows} rows` : ''}`, { x: x.shape, w: w.shape });
  expectNumel(op, 'out', out, total);
  const pipeline = gpu.pipeline('nn/rms_norm', code, { WG });
  // WebGPU forbids binding one buffer read-only and writable in one dispatch.
  if (x.buffer === out.buffer) throw new ShapeError(op, 'x and out share one buffer; normalise into a separate tensor');
  rec.dispatch(pipeline, [x.buffer, w.buffer, out.buffer], foldGroups(gpu, R), uniforms([['u32', R], ['u32', C], ['f32', opts.eps], ['u32', opts.plusOne ? 1 : 0]]));
}
