// Predicted-probability mass per vocabulary id, summed over rows (the 'predicted' vocabulary order).
import code from '../../../shaders/analysis/prob_sums.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2 } from './checks';
import { grid1d, uniforms } from './grid';

const WG = 256;

/**
 * sums[colOffset + c] += sum_r softmax(row r)[c] for logits [T, Vc] (columns colOffset..+Vc of the
 * vocabulary) and the folded log-softmax state [R, 4] of rows rowOffset..rowOffset+T-1 (lseUpdate
 * over every chunk first). sums [V].
 */
export function probSums(gpu: Gpu, rec: Recorder, logits: Tensor, state: Tensor, sums: Tensor, opts: { colOffset: number; softcap?: number | null; rowOffset?: number }): void {
  const op = 'probSums';
  const [T, Vc] = dims2(op, 'logits', logits);
  const r0 = opts.rowOffset ?? 0;
  const shapes = { logits: logits.shape, state: state.shape, sums: sums.shape };
  if (state.shape.length !== 2 || state.shape[0] < r0 + T || state.shape[1] !== 4) throw new ShapeError(op, `state must be [>= ${r0 + T}, 4]`, shapes);
  if (sums.shape.length !== 1 || sums.shape[0] < opts.colOffset + Vc) throw new ShapeError(op, `sums must be [>= ${opts.colOffset + Vc}]`, shapes);
  const params = uniforms([['u32', T], ['u32', Vc], ['u32', opts.colOffset], ['f32', opts.softcap ?? 0], ['u32', r0]]);
  rec.dispatch(gpu.pipeline('analysis/prob_sums', code, { WG }), [logits.buffer, state.buffer, sums.buffer], grid1d(gpu, Vc, WG), params);
}

/** CPU reference: sum over the T rows of softmax(softcap(logits[t])), [V] (f64). */
export function probSumsRef(logits: Float32Array, T: number, V: number, softcap: number | null = null): Float64Array {
  const out = new Float64Array(V);
  const z = new Float64Array(V);
  for (let t = 0; t < T; t++) {
    let m = -Infinity;
    for (let c = 0; c < V; c++) {
      const x = logits[t * V + c];
      z[c] = softcap ? softcap * Math.tanh(x / softcap) : x;
      m = Math.max(m, z[c]);
    }
    let s = 0;
    for (let c = 0; c < V; c++) s += Math.exp(z[c] - m);
    for (let c = 0; c < V; c++) out[c] += Math.exp(z[c] - m) / s;
  }
  return out;
}
