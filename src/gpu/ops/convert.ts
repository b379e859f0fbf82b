// Raw safetensors bytes (F32/F16/BF16) -> f32 tensor, decoded on the GPU.
import code from '../../../shaders/nn/convert_f32.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { numel } from '../tensor';
import { grid1d, uniforms } from './grid';

export type RawDtype = 'F32' | 'F16' | 'BF16';
const DTYPE_CODE: Record<RawDtype, number> = { F32: 0, F16: 1, BF16: 2 };
const BYTES: Record<RawDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const WG = 256;

/** out[0..count) = decode(raw); raw holds count elements of dtype, padded to 4 bytes. */
export function convertToF32(gpu: Gpu, rec: Recorder, raw: GPUBuffer, dtype: RawDtype, count: number, out: Tensor): void {
  const op = 'convertToF32';
  if (!(dtype in DTYPE_CODE)) throw new ShapeError(op, `dtype ${dtype} is not F32, F16 or BF16`);
  if (numel(out.shape) < count) throw new ShapeError(op, `out holds fewer than ${count} elements`, { out: out.shape });
  const needed = Math.ceil((count * BYTES[dtype]) / 4) * 4;
  if (raw.size < needed) throw new ShapeError(op, `raw buffer has ${raw.size} bytes, ${count} ${dtype} values need ${needed}`);
  const pipeline = gpu.pipeline('nn/convert_f32', code, { WG, DTYPE: DTYPE_CODE[dtype] });
  rec.dispatch(pipeline, [raw, out.buffer], grid1d(gpu, count, WG), uniforms([['u32', count]]));
}
