// Per-token negative log-likelihood and greedy argmax over logit rows, on the GPU.
import nllCode from '../../../shaders/nn/log_softmax_nll.wgsl?raw';
import argmaxCode from '../../../shaders/nn/argmax_rows.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2, expectU32 } from './checks';
import { foldGroups, uniforms } from './grid';

const WG = 256;

/** nll[t] = logsumexp(logits[t]) - logits[t, targets[t]] (after optional softcap); NaN where a target >= V. */
export function logSoftmaxNll(gpu: Gpu, rec: Recorder, logits: Tensor, targets: GPUBuffer, nll: Tensor, opts: { softcap?: number | null } = {}): void {
  const op = 'logSoftmaxNll';
  const [T, V] = dims2(op, 'logits', logits);
  if (nll.shape.length !== 1 || nll.shape[0] !== T) throw new ShapeError(op, 'nll must be [T]', { logits: logits.shape, nll: nll.shape });
  expectU32(op, 'targets', targets, T);
  const params = uniforms([
    ['u32', T],
    ['u32', V],
    ['f32', opts.softcap ?? 0],
  ]);
  rec.dispatch(gpu.pipeline('nn/log_softmax_nll', nllCode, { WG }), [logits.buffer, targets, nll.buffer], foldGroups(gpu, T), params);
}

/** out[t] = index of the largest logit in row t (first on ties). */
export function argmaxRows(gpu: Gpu, rec: Recorder, logits: Tensor, out: GPUBuffer): void {
  const op = 'argmaxRows';
  const [T, V] = dims2(op, 'logits', logits);
  expectU32(op, 'out', out, T);
  rec.dispatch(gpu.pipeline('nn/argmax_rows', argmaxCode, { WG }), [logits.buffer, out], foldGroups(gpu, T), uniforms([['u32', T], ['u32', V]]));
}
