// Per-token negative log-likelihood (a log-softmax folded over vocabulary chunks) and greedy argmax over logit rows, on the GPU.
import argmaxCode from '../../../shaders/nn/argmax_rows.wgsl?raw';
import lseUpdateCode from '../../../shaders/nn/lse_update.wgsl?raw';
import lseNllCode from '../../../shaders/nn/lse_nll.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2, expectU32 } from './checks';
import { foldGroups, grid1d, uniforms } from './grid';

const WG = 256;

/** out[t] = index of the largest logit in row t (first on ties). */
export function argmaxRows(gpu: Gpu, rec: Recorder, logits: Tensor, out: GPUBuffer): void {
  const op = 'argmaxRows';
  const [T, V] = dims2(op, 'logits', logits);
  expectU32(op, 'out', out, T);
  rec.dispatch(gpu.pipeline('nn/argmax_rows', argmaxCode, { WG }), [logits.buffer, out], foldGroups(gpu, T), uniforms([['u32', T], ['u32', V]]));
}

/** The start state of lseUpdate for T rows: (max, sum, target logit, found) = (-3e38, 0, 0, 0). */
export function lseInitialState(T: number): Float32Array {
  const s = new Float32Array(T * 4);
  for (let t = 0; t < T; t++) s[t * 4] = -3.0e38;
  return s;
}

/**
 * Folds logits [T, Vc] (vocabulary columns [colOffset, colOffset + Vc)) into the running
 * log-softmax state of rows rowOffset .. rowOffset + T - 1 (state [R, 4], targets u32[R]), and
 * picks up each target's logit where its chunk is.
 */
export function lseUpdate(
  gpu: Gpu,
  rec: Recorder,
  logits: Tensor,
  targets: GPUBuffer,
  state: Tensor,
  opts: { colOffset: number; softcap?: number | null; rowOffset?: number },
): void {
  const op = 'lseUpdate';
  const [T, Vc] = dims2(op, 'logits', logits);
  const r0 = opts.rowOffset ?? 0;
  if (state.shape.length !== 2 || state.shape[0] < r0 + T || state.shape[1] !== 4) throw new ShapeError(op, `state must be [>= ${r0 + T}, 4]`, { logits: logits.shape, state: state.shape });
  expectU32(op, 'targets', targets, r0 + T);
  const params = uniforms([['u32', T], ['u32', Vc], ['u32', opts.colOffset], ['f32', opts.softcap ?? 0], ['u32', r0]]);
  rec.dispatch(gpu.pipeline('nn/lse_update', lseUpdateCode, { WG }), [logits.buffer, targets, state.buffer], foldGroups(gpu, T), params);
}

/** nll[t] = logsumexp - target logit from the folded state (NaN where no chunk held the target); resets the state. */
export function lseNll(gpu: Gpu, rec: Recorder, state: Tensor, nll: Tensor): void {
  const op = 'lseNll';
  const T = nll.shape[0];
  if (nll.shape.length !== 1 || state.shape.length !== 2 || state.shape[0] < T || state.shape[1] !== 4) throw new ShapeError(op, 'nll must be [T] and state [>= T, 4]', { state: state.shape, nll: nll.shape });
  rec.dispatch(gpu.pipeline('nn/lse_nll', lseNllCode, { WG }), [state.buffer, nll.buffer], grid1d(gpu, T, WG), uniforms([['u32', T]]));
}
