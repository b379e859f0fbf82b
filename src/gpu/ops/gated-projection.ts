// The FFN's first half, h = act(x gate^T + b_g) * (x up^T + b_u): one fused kernel where the
// 128x128 matmul serves (exact mode, big T), else two matmuls and the elementwise activation.
import activationCode from '../../../shaders/nn/activation.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import { dtypeOf, type Tensor, type TensorDtype } from '../tensor';
import { dims2, expectDistinct } from './checks';
import { gatedActivation, KIND_CODE, type GatedKind } from './elementwise';
import { dummyStorage, uniforms } from './grid';
import { BIG_TILE, BIG_TILE_K, chooseMatmulKernel, matmul, MATVEC_MAX_T, runsFast, tiled8Code, type Precision } from './matmul';
import { weightPipeline } from './weight-access';

export interface GatedProjectionOptions {
  kind: GatedKind;
  gateBias?: Tensor;
  upBias?: Tensor;
  precision?: Precision;
  /** 'auto' (fused where it serves, the default), or forced: 'fused' (tests, benchmarks) or 'separate'. */
  kernel?: 'auto' | 'fused' | 'separate';
  /** [T, I] scratch for gate and up when the projection runs unfused. */
  gate: Tensor;
  up: Tensor;
}

/** Whether the fused kernel serves x [T, Kd] here: exact f32 math (fast mode keeps its tensor-core matmuls) and the 128x128 kernel's shapes. */
export function fusesGateUp(gpu: Gpu, T: number, I: number, Kd: number, precision: Precision | undefined, wDtype: TensorDtype): boolean {
  if (Kd % 4 !== 0 || T <= MATVEC_MAX_T || runsFast(gpu, T, Kd, precision, wDtype)) return false;
  return chooseMatmulKernel(T, 2 * I) === 'tile128';
}

/** out [T, I] = act(x gate^T + gateBias) * (x up^T + upBias); x [T, Kd] f32, gate and up [I, Kd] of one dtype. */
export function gatedProjection(gpu: Gpu, rec: Recorder, x: Tensor, gate: Tensor, up: Tensor, out: Tensor, opts: GatedProjectionOptions): void {
  const op = 'gatedProjection';
  const [T, Kd] = dims2(op, 'x', x);
  const [I, Kg] = dims2(op, 'gate', gate);
  const [Iu, Ku] = dims2(op, 'up', up);
  const [To, Io] = dims2(op, 'out', out);
  if (Kg !== Kd || Ku !== Kd || Iu !== I) throw new ShapeError(op, 'gate and up must both be [I, Kd]', { x: x.shape, gate: gate.shape, up: up.shape });
  if (To !== T || Io !== I) throw new ShapeError(op, 'out must be [T, I]', { x: x.shape, out: out.shape });
  if (dtypeOf(gate) !== dtypeOf(up)) throw new ShapeError(op, `gate and up must share a dtype (got ${dtypeOf(gate)} and ${dtypeOf(up)})`);
  if (!!opts.gateBias !== !!opts.upBias) throw new ShapeError(op, 'give both biases or neither');
  for (const [name, b] of [['gateBias', opts.gateBias], ['upBias', opts.upBias]] as const) {
    if (b && (b.shape.length !== 1 || b.shape[0] !== I)) throw new ShapeError(op, `${name} must be [I]`, { [name]: b.shape, gate: gate.shape });
  }
  const kernel = opts.kernel ?? 'auto';
  const fused = kernel === 'fused' ? Kd % 4 === 0 : kernel === 'auto' && fusesGateUp(gpu, T, I, Kd, opts.precision, dtypeOf(gate));
  if (!fused) {
    matmul(gpu, rec, x, gate, opts.gate, { bias: opts.gateBias, precision: opts.precision });
    matmul(gpu, rec, x, up, opts.up, { bias: opts.upBias, precision: opts.precision });
    gatedActivation(gpu, rec, opts.gate, opts.up, out, opts.kind);
    return;
  }
  expectDistinct(op, { x: x.buffer, out: out.buffer });
  const p = weightPipeline(gpu, 'nn/matmul_tiled_8x8+gated', `${activationCode}\n${tiled8Code('gated')}`, gate, { BK: BIG_TILE_K, KIND: KIND_CODE[opts.kind] });
  const bias = (b?: Tensor) => b?.buffer ?? dummyStorage(gpu);
  const params = uniforms([
    ['u32', T],
    ['u32', I],
    ['u32', Kd / 4],
    ['u32', I],
    ['u32', 0],
    ['u32', opts.gateBias ? 1 : 0],
  ]);
  // 64 channels per workgroup (their gate and up rows make its 128 tile columns)
  rec.dispatch(p, [x.buffer, gate.buffer, bias(opts.gateBias), out.buffer, up.buffer, bias(opts.upBias)], [Math.ceil(I / (BIG_TILE / 2)), Math.ceil(T / BIG_TILE)], params);
}
