// Row and column gathers, used to build a pruned model on the GPU (vocab rows, FFN channels).
import rowsCode from '../../../shaders/nn/gather_rows.wgsl?raw';
import colsCode from '../../../shaders/nn/gather_cols.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2, expectDistinct, expectU32 } from './checks';
import { grid1d, uniforms } from './grid';

const WG = 256;

/** out[r] = src[idx[r]]; src [R, C], idx u32[R2], out [R2, C]. Indices >= R give zero rows. */
export function gatherRows(gpu: Gpu, rec: Recorder, src: Tensor, idx: GPUBuffer, out: Tensor): void {
  const op = 'gatherRows';
  const [R, C] = dims2(op, 'src', src);
  const [R2, Co] = dims2(op, 'out', out);
  if (Co !== C) throw new ShapeError(op, 'out must have the columns of src', { src: src.shape, out: out.shape });
  expectU32(op, 'idx', idx, R2);
  expectDistinct(op, { src: src.buffer, out: out.buffer });
  rec.dispatch(gpu.pipeline('nn/gather_rows', rowsCode, { WG }), [src.buffer, idx, out.buffer], grid1d(gpu, R2 * C, WG), uniforms([['u32', R], ['u32', C], ['u32', R2]]));
}

/** out[:, c] = src[:, idx[c]]; src [R, C], idx u32[C2], out [R, C2]. Indices >= C give zero columns. */
export function gatherCols(gpu: Gpu, rec: Recorder, src: Tensor, idx: GPUBuffer, out: Tensor): void {
  const op = 'gatherCols';
  const [R, C] = dims2(op, 'src', src);
  const [Ro, C2] = dims2(op, 'out', out);
  if (Ro !== R) throw new ShapeError(op, 'out must have the rows of src', { src: src.shape, out: out.shape });
  expectU32(op, 'idx', idx, C2);
  expectDistinct(op, { src: src.buffer, out: out.buffer });
  rec.dispatch(gpu.pipeline('nn/gather_cols', colsCode, { WG }), [src.buffer, idx, out.buffer], grid1d(gpu, R * C2, WG), uniforms([['u32', R], ['u32', C], ['u32', C2]]));
}
