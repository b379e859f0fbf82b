// Row and column gathers, used to build a pruned model on the GPU (vocab rows, FFN channels).
// They keep the source's dtype: f32 element by element, bf16/f16 two packed elements per thread.
import rowsCode from '../../../shaders/nn/gather_rows.wgsl?raw';
import colsCode from '../../../shaders/nn/gather_cols.wgsl?raw';
import rows16Code from '../../../shaders/nn/gather_rows16.wgsl?raw';
import cols16Code from '../../../shaders/nn/gather_cols16.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import { dtypeOf, type Tensor } from '../tensor';
import { dims2, expectDistinct, expectU32 } from './checks';
import { grid1d, uniforms } from './grid';

const WG = 256;

function checkDtypes(op: string, src: Tensor, out: Tensor): boolean {
  if (dtypeOf(src) !== dtypeOf(out)) throw new ShapeError(op, `out must have src's dtype (${dtypeOf(src)}, got ${dtypeOf(out)})`);
  return dtypeOf(src) !== 'f32';
}

/** out[r] = src[idx[r]]; src [R, C], idx u32[R2], out [R2, C] (same dtype). Indices >= R give zero rows. */
export function gatherRows(gpu: Gpu, rec: Recorder, src: Tensor, idx: GPUBuffer, out: Tensor): void {
  const op = 'gatherRows';
  const [R, C] = dims2(op, 'src', src);
  const [R2, Co] = dims2(op, 'out', out);
  if (Co !== C) throw new ShapeError(op, 'out must have the columns of src', { src: src.shape, out: out.shape });
  expectU32(op, 'idx', idx, R2);
  expectDistinct(op, { src: src.buffer, out: out.buffer });
  const packed = checkDtypes(op, src, out);
  const pipeline = packed ? gpu.pipeline('nn/gather_rows16', rows16Code, { WG }) : gpu.pipeline('nn/gather_rows', rowsCode, { WG });
  const threads = packed ? Math.ceil((R2 * C) / 2) : R2 * C;
  rec.dispatch(pipeline, [src.buffer, idx, out.buffer], grid1d(gpu, threads, WG), uniforms([['u32', R], ['u32', C], ['u32', R2]]));
}

/** out[:, c] = src[:, idx[c]]; src [R, C], idx u32[C2], out [R, C2] (same dtype). Indices >= C give zero columns. */
export function gatherCols(gpu: Gpu, rec: Recorder, src: Tensor, idx: GPUBuffer, out: Tensor): void {
  const op = 'gatherCols';
  const [R, C] = dims2(op, 'src', src);
  const [Ro, C2] = dims2(op, 'out', out);
  if (Ro !== R) throw new ShapeError(op, 'out must have the rows of src', { src: src.shape, out: out.shape });
  expectU32(op, 'idx', idx, C2);
  expectDistinct(op, { src: src.buffer, out: out.buffer });
  const packed = checkDtypes(op, src, out);
  const pipeline = packed ? gpu.pipeline('nn/gather_cols16', cols16Code, { WG }) : gpu.pipeline('nn/gather_cols', colsCode, { WG });
  const threads = packed ? Math.ceil((R * C2) / 2) : R * C2;
  rec.dispatch(pipeline, [src.buffer, idx, out.buffer], grid1d(gpu, threads, WG), uniforms([['u32', R], ['u32', C], ['u32', C2]]));
}
