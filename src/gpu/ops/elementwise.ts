// Elementwise ops: gated activation (FFN), residual add.
import gatedCode from '../../../shaders/nn/gated_activation.wgsl?raw';
import activationCode from '../../../shaders/nn/activation.wgsl?raw';
import addCode from '../../../shaders/nn/add_inplace.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import { numel, type Tensor } from '../tensor';
import { expectDistinct, expectSameShape } from './checks';
import { grid1d, uniforms } from './grid';

export type GatedKind = 'silu' | 'gelu_tanh' | 'gelu';
export const KIND_CODE: Record<GatedKind, number> = { silu: 0, gelu_tanh: 1, gelu: 2 };
const WG = 256;

/** out = act(gate) * up; gate, up, out [T, I]. */
export function gatedActivation(gpu: Gpu, rec: Recorder, gate: Tensor, up: Tensor, out: Tensor, kind: GatedKind): void {
  const op = 'gatedActivation';
  if (!(kind in KIND_CODE)) throw new ShapeError(op, `unknown activation ${kind}; use silu, gelu_tanh or gelu`);
  expectSameShape(op, ['gate', gate], ['up', up]);
  expectSameShape(op, ['gate', gate], ['out', out]);
  expectDistinct(op, { gate: gate.buffer, out: out.buffer });
  expectDistinct(op, { up: up.buffer, out: out.buffer });
  const n = numel(out.shape);
  const pipeline = gpu.pipeline('nn/gated_activation', `${activationCode}\n${gatedCode}`, { WG, KIND: KIND_CODE[kind] });
  rec.dispatch(pipeline, [gate.buffer, up.buffer, out.buffer], grid1d(gpu, n, WG), uniforms([['u32', n]]));
}

/** acc += b (same shape, different buffers). */
export function addInPlace(gpu: Gpu, rec: Recorder, acc: Tensor, b: Tensor): void {
  const op = 'addInPlace';
  expectSameShape(op, ['acc', acc], ['b', b]);
  expectDistinct(op, { acc: acc.buffer, b: b.buffer });
  const n = numel(acc.shape);
  rec.dispatch(gpu.pipeline('nn/add_inplace', addCode, { WG }), [acc.buffer, b.buffer], grid1d(gpu, n, WG), uniforms([['u32', n]]));
}
