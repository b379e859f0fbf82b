// y = x w^T (+ bias) with HF Linear weights, written into a column block of out.
import tiledCode from '../../../shaders/nn/matmul_tiled.wgsl?raw';
import tiled8Source from '../../../shaders/nn/matmul_tiled_8x8.wgsl?raw';
import naiveCode from '../../../shaders/nn/matmul_naive.wgsl?raw';
import matvecCode from '../../../shaders/nn/matvec.wgsl?raw';
import matvecSubgroupCode from '../../../shaders/nn/matvec_subgroup.wgsl?raw';
import sgmatCode from '../../../shaders/nn/matmul_sgmat.wgsl?raw';
import rowScaleCode from '../../../shaders/nn/row_scale.wgsl?raw';
import toF16Code from '../../../shaders/nn/to_f16.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2, expectDistinct } from './checks';
import { dummyStorage, foldGroups, uniforms } from './grid';
import { weightPipeline } from './weight-access';
import { dtypeOf, type TensorDtype } from '../tensor';

export interface MatmulOptions {
  /** [N], added to every row. */
  bias?: Tensor;
  /** Column of out where this block's n = 0 lands (vocab-split lm_head). */
  outColOffset?: number;
  /** Which kernel for T > MATVEC_MAX_T and Kd % 4 == 0: 'auto' (by shape, the default) or one forced (benchmarks, tests). */
  kernel?: MatmulKernel;
  /** K step of the 128x128 kernel (8 or 16; benchmarks). */
  tileK?: 8 | 16;
  /** add the result into out instead of overwriting it (out += x w^T + bias: a residual add fused in) */
  accumulate?: boolean;
  /** 'fast': tensor cores (f16 inputs, f32 accumulation) where the device has them, T >= FAST_MIN_T and w is 16-bit; else exact f32. */
  precision?: Precision;
  /** the tensor-core kernel: 'f16' (one product; the default) or 'split' (x as f16 hi + lo, two products: close to f32, slower) */
  fastKernel?: FastKernel;
}

export type FastKernel = 'f16' | 'split';

export type Precision = 'exact' | 'fast';

/** Fewer rows than this stay on the exact kernels in fast mode (too little work for a 128-row tile). */
export const FAST_MIN_T = 64;
const FAST_TILE = 128; // matmul_sgmat.wgsl's tile: 128 x 128 outputs per workgroup (8 subgroups of 32)

/** Whether a fast-mode matmul of T rows and inner size Kd runs on tensor cores here. f32 weights stay
 *  exact: f16 would round them (16-bit weights are exact in f16 within its range). */
export function runsFast(gpu: Gpu, T: number, Kd: number, precision: Precision | undefined, wDtype: TensorDtype): boolean {
  return precision === 'fast' && gpu.hasFastMatmul && T >= FAST_MIN_T && Kd % 4 === 0 && wDtype !== 'f32';
}

/** The tensor-core kernel's source: matmul_sgmat.wgsl as the split kernel or the plain f16 one (each drops the other's marked lines). */
export function fastKernelCode(kernel: FastKernel): string {
  const drop = kernel === 'split' ? '// F16' : '// SPLIT';
  if (!sgmatCode.includes(`${drop}\n`)) throw new Error(`internal: matmul_sgmat.wgsl lost its ${drop} lines`);
  return sgmatCode.split('\n').filter((line) => !line.endsWith(drop)).join('\n');
}

const FAST_K = 32; // the kernels' K step: the staged operands' row length is padded to it

/** One operand for the tensor-core kernel (to_f16.wgsl): src [R, K] as f16 hi (and lo) [Rp, Kp], zero-padded. */
export function stageF16(gpu: Gpu, rec: Recorder, src: Tensor, Rp: number, Kp: number, hi: GPUBuffer, lo: GPUBuffer | null, scale: GPUBuffer | null): void {
  const [R, K] = src.shape;
  const p = weightPipeline(gpu, 'nn/to_f16', toF16Code, src, { WG: 256 });
  const noLo = gpu.scratch('fast-matmul unused lo', 4);
  rec.dispatch(p, [src.buffer, scale ?? dummyStorage(gpu), hi, lo ?? noLo], foldGroups(gpu, Math.ceil((Rp * Kp) / 4 / 256)), uniforms([
    ['u32', R],
    ['u32', K / 4],
    ['u32', Rp],
    ['u32', Kp / 4],
    ['u32', scale ? 1 : 0],
    ['u32', lo ? 1 : 0],
  ]));
}

/** The tensor-core path of matmul(): row scales, both operands staged as f16, then matmul_sgmat.wgsl. */
function fastMatmul(gpu: Gpu, rec: Recorder, x: Tensor, w: Tensor, out: Tensor, bias: GPUBuffer, opts: MatmulOptions): void {
  const [T, Kd] = x.shape;
  const [N] = w.shape;
  const Tp = Math.ceil(T / FAST_TILE) * FAST_TILE + 1; // + a spare row (see the kernel)
  const Np = Math.ceil(N / FAST_TILE) * FAST_TILE + 1;
  const Kp = Math.ceil(Kd / FAST_K) * FAST_K;
  const kernel = opts.fastKernel ?? 'f16';
  const scale = gpu.scratch('fast-matmul row scale', T);
  recordRowScales(gpu, rec, x, scale);
  const xh = gpu.scratch('fast-matmul x hi', (Tp * Kp) / 2); // f16 pairs per f32 slot
  const xl = kernel === 'split' ? gpu.scratch('fast-matmul x lo', (Tp * Kp) / 2) : null;
  const wh = gpu.scratch('fast-matmul w', (Np * Kp) / 2);
  stageF16(gpu, rec, x, Tp, Kp, xh, xl, scale);
  stageF16(gpu, rec, w, Np, Kp, wh, null, null); // 16-bit weights: exact in f16, no lo part
  const p = gpu.pipeline(`nn/matmul_sgmat/${kernel}`, fastKernelCode(kernel), { ACCUMULATE: opts.accumulate ? 1 : 0 });
  const params = uniforms([
    ['u32', T],
    ['u32', N],
    ['u32', Kp],
    ['u32', out.shape[1]],
    ['u32', opts.outColOffset ?? 0],
    ['u32', opts.bias ? 1 : 0],
  ]);
  rec.dispatch(p, [xh, wh, bias, out.buffer, scale, ...(xl ? [xl] : [])], [Math.ceil(N / FAST_TILE), Math.ceil(T / FAST_TILE)], params);
}

/** 'tile64': 4x4 outputs per thread, 64x64 per workgroup. 'tile128': 8x8 per thread, 128x128 per workgroup.
 *  'matvec-shared': the decode kernel's workgroup-memory variant (used where subgroups are missing). */
export type MatmulKernel = 'auto' | 'tile64' | 'tile128' | 'matvec-shared';

const TILED8_STORE = '{ y[o + c] = v[c]; } // STORE';
/** matmul_tiled_8x8.wgsl as one of its variants: plain, accumulating (its store adds into y, see the
 *  comment in the kernel) or gated (gate and up fused with the activation: its GATED lines). */
export function tiled8Code(variant: 'plain' | 'accumulate' | 'gated'): string {
  const drop = variant === 'gated' ? '// PLAIN' : '// GATED';
  if (!tiled8Source.includes(`${drop}\n`) || !tiled8Source.includes(TILED8_STORE)) throw new Error('internal: matmul_tiled_8x8.wgsl lost its PLAIN, GATED or STORE lines');
  const code = tiled8Source.split('\n').filter((line) => !line.endsWith(drop)).join('\n');
  return variant === 'accumulate' ? code.replace(TILED8_STORE, '{ y[o + c] = y[o + c] + v[c]; } // STORE') : code;
}

/** Largest T served by the matrix-vector kernel (decode). */
export const MATVEC_MAX_T = 8;
const TILE_THREADS = 16; // 16x16 threads, each a 4x4 register tile: 64x64 outputs per workgroup
export const BIG_TILE = 128; // matmul_tiled_8x8: 16x16 threads, each 8x8
export const BIG_TILE_K = 8;
/** The 128x128 kernel needs this many workgroups to keep a big GPU busy; fewer go to the 64x64 one. */
const BIG_MIN_WORKGROUPS = 256;

/** The kernel auto picks for x [T, Kd] w [N, Kd] (Kd % 4 == 0, T > MATVEC_MAX_T). */
export function chooseMatmulKernel(T: number, N: number): Exclude<MatmulKernel, 'auto'> {
  return Math.ceil(T / BIG_TILE) * Math.ceil(N / BIG_TILE) >= BIG_MIN_WORKGROUPS ? 'tile128' : 'tile64';
}
const MATVEC_ROWS = 8;
/** rows of w per workgroup of the subgroup matvec (its subgroups share them out). */
const MATVEC_SUBGROUP_ROWS = 16;
const MATVEC_LANES = 32;

/** scale[t] = the power of two that brings row t of x [T, Kd] (Kd % 4 == 0) within f16 range (row_scale.wgsl). Needs subgroups. */
export function recordRowScales(gpu: Gpu, rec: Recorder, x: Tensor, scale: GPUBuffer): void {
  const [T, Kd] = dims2('rowScales', 'x', x);
  if (Kd % 4 !== 0) throw new ShapeError('rowScales', 'x needs Kd % 4 == 0', { x: x.shape });
  rec.dispatch(gpu.pipeline('nn/row_scale', rowScaleCode, { WG: 256, ROWS: 16 }), [x.buffer, scale], foldGroups(gpu, Math.ceil(T / 16)), uniforms([['u32', T], ['u32', Kd / 4]]));
}

/** out[t, outColOffset + n] = sum_k x[t, k] w[n, k] (+ bias[n]); x [T, Kd] f32, w [N, Kd] f32/bf16/f16, out [T, Nout] f32. */
export function matmul(gpu: Gpu, rec: Recorder, x: Tensor, w: Tensor, out: Tensor, opts: MatmulOptions = {}): void {
  const op = 'matmul';
  const [T, Kd] = dims2(op, 'x', x);
  const [N, Kw] = dims2(op, 'w', w);
  const [To, Nout] = dims2(op, 'out', out);
  const colOffset = opts.outColOffset ?? 0;
  if (Kw !== Kd) throw new ShapeError(op, 'x and w must share the inner dimension Kd', { x: x.shape, w: w.shape });
  if (To !== T) throw new ShapeError(op, 'out must have as many rows as x', { x: x.shape, out: out.shape });
  if (!Number.isInteger(colOffset) || colOffset < 0 || colOffset + N > Nout) {
    throw new ShapeError(op, `columns [${colOffset}, ${colOffset + N}) do not fit in out`, { w: w.shape, out: out.shape });
  }
  if (opts.bias && (opts.bias.shape.length !== 1 || opts.bias.shape[0] !== N)) throw new ShapeError(op, 'bias must be [N]', { bias: opts.bias.shape, w: w.shape });
  for (const [name, t] of [['x', x], ['out', out], ['bias', opts.bias]] as const) {
    if (t && dtypeOf(t) !== 'f32') throw new ShapeError(op, `${name} must be f32 (got ${dtypeOf(t)}); only w may be 16-bit`);
  }
  expectDistinct(op, { x: x.buffer, out: out.buffer });
  expectDistinct(op, { w: w.buffer, out: out.buffer });
  const bias = opts.bias?.buffer ?? dummyStorage(gpu);
  const bindings = [x.buffer, w.buffer, bias, out.buffer];
  const vec4 = Kd % 4 === 0;
  const params = uniforms([
    ['u32', T],
    ['u32', N],
    ['u32', vec4 ? Kd / 4 : Kd],
    ['u32', Nout],
    ['u32', colOffset],
    ['u32', opts.bias ? 1 : 0],
    ['u32', opts.accumulate ? 1 : 0],
  ]);
  if (runsFast(gpu, T, Kd, opts.precision, dtypeOf(w))) {
    fastMatmul(gpu, rec, x, w, out, bias, opts);
  } else if (!vec4) {
    const p = weightPipeline(gpu, 'nn/matmul_naive', naiveCode, w, { WG: 16 });
    rec.dispatch(p, bindings, [Math.ceil(N / 16), Math.ceil(T / 16)], params);
  } else if (T <= MATVEC_MAX_T) {
    if (gpu.hasSubgroups && opts.kernel !== 'matvec-shared') {
      const p = weightPipeline(gpu, 'nn/matvec_subgroup', matvecSubgroupCode, w, { WG: 256, ROWS: MATVEC_SUBGROUP_ROWS });
      rec.dispatch(p, bindings, foldGroups(gpu, Math.ceil(N / MATVEC_SUBGROUP_ROWS)), params);
    } else {
      const p = weightPipeline(gpu, 'nn/matvec', matvecCode, w, { ROWS: MATVEC_ROWS, LANES: MATVEC_LANES });
      rec.dispatch(p, bindings, foldGroups(gpu, Math.ceil(N / MATVEC_ROWS)), params);
    }
  } else if ((opts.kernel && opts.kernel !== 'auto' && opts.kernel !== 'matvec-shared' ? opts.kernel : chooseMatmulKernel(T, N)) === 'tile128') {
    const code = tiled8Code(opts.accumulate ? 'accumulate' : 'plain');
    const p = weightPipeline(gpu, opts.accumulate ? 'nn/matmul_tiled_8x8+acc' : 'nn/matmul_tiled_8x8', code, w, { BK: opts.tileK ?? BIG_TILE_K });
    rec.dispatch(p, bindings, [Math.ceil(N / BIG_TILE), Math.ceil(T / BIG_TILE)], params);
  } else {
    const p = weightPipeline(gpu, 'nn/matmul_tiled', tiledCode, w, { TX: TILE_THREADS, TY: TILE_THREADS });
    const tile = TILE_THREADS * 4;
    rec.dispatch(p, bindings, [Math.ceil(N / tile), Math.ceil(T / tile)], params);
  }
}
