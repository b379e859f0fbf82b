// COMPACT FFN channel scores, accumulated across calibration batches: per-chunk partial sums
// (ffn_stats.wgsl), then one add per channel (ffn_stats_reduce.wgsl).
import code from '../../../shaders/analysis/ffn_stats.wgsl?raw';
import reduceCode from '../../../shaders/analysis/ffn_stats_reduce.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2 } from './checks';
import { foldGroups, grid1d, uniforms } from './grid';

const COLS = 64; // channels per workgroup
const LANES = 4; // threads splitting a chunk's rows per channel
/** rows per chunk: T = 8192 gives 32 chunks, so I = 4864 makes 2,432 workgroups */
export const FFN_STATS_CHUNK = 256;

/** sumWeighted[j] += sum_t weight[t] h[t,j]^2; sumAll[j] += sum_t h[t,j]^2. h [T, I], weight [T], sums [I]. */
export function ffnStats(gpu: Gpu, rec: Recorder, h: Tensor, weight: Tensor, sumWeighted: Tensor, sumAll: Tensor): void {
  const op = 'ffnStats';
  const [T, I] = dims2(op, 'h', h);
  const shapes = { h: h.shape, weight: weight.shape, sumWeighted: sumWeighted.shape, sumAll: sumAll.shape };
  if (weight.shape.length !== 1 || weight.shape[0] !== T) throw new ShapeError(op, 'weight must be [T]', shapes);
  for (const s of [sumWeighted, sumAll]) if (s.shape.length !== 1 || s.shape[0] !== I) throw new ShapeError(op, 'sums must be [I]', shapes);
  if (sumWeighted.buffer === sumAll.buffer) throw new ShapeError(op, 'sumWeighted and sumAll must be separate tensors', shapes);
  if (T === 0 || I === 0) return;
  const chunks = Math.ceil(T / FFN_STATS_CHUNK);
  const partial = gpu.scratch('ffn stats partials', 2 * chunks * I);
  const [x, y] = foldGroups(gpu, Math.ceil(I / COLS));
  rec.dispatch(gpu.pipeline('analysis/ffn_stats', code, { COLS, LANES, CHUNK: FFN_STATS_CHUNK }), [h.buffer, weight.buffer, partial], [x, y, chunks], uniforms([['u32', T], ['u32', I]]));
  rec.dispatch(gpu.pipeline('analysis/ffn_stats_reduce', reduceCode, { WG: 256 }), [partial, sumWeighted.buffer, sumAll.buffer], grid1d(gpu, I, 256), uniforms([['u32', I], ['u32', chunks]]));
}
