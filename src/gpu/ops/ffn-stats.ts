// COMPACT FFN channel scores, accumulated across calibration batches.
import code from '../../../shaders/analysis/ffn_stats.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2 } from './checks';
import { foldGroups, uniforms } from './grid';

const COLS = 32; // channels per workgroup
const LANES = 8; // threads splitting T per channel

/** sumWeighted[j] += sum_t weight[t] h[t,j]^2; sumAll[j] += sum_t h[t,j]^2. h [T, I], weight [T], sums [I]. */
export function ffnStats(gpu: Gpu, rec: Recorder, h: Tensor, weight: Tensor, sumWeighted: Tensor, sumAll: Tensor): void {
  const op = 'ffnStats';
  const [T, I] = dims2(op, 'h', h);
  const shapes = { h: h.shape, weight: weight.shape, sumWeighted: sumWeighted.shape, sumAll: sumAll.shape };
  if (weight.shape.length !== 1 || weight.shape[0] !== T) throw new ShapeError(op, 'weight must be [T]', shapes);
  for (const s of [sumWeighted, sumAll]) if (s.shape.length !== 1 || s.shape[0] !== I) throw new ShapeError(op, 'sums must be [I]', shapes);
  if (sumWeighted.buffer === sumAll.buffer) throw new ShapeError(op, 'sumWeighted and sumAll must be separate tensors', shapes);
  rec.dispatch(
    gpu.pipeline('analysis/ffn_stats', code, { COLS, LANES }),
    [h.buffer, weight.buffer, sumWeighted.buffer, sumAll.buffer],
    foldGroups(gpu, Math.ceil(I / COLS)),
    uniforms([['u32', T], ['u32', I]]),
  );
}
