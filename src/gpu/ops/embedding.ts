// Token embedding lookup from a (possibly split) table.
import code from '../../../shaders/nn/embedding.wgsl?raw';
import type { Gpu, Recorder } from '../context';
import { ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { dims2, expectU32 } from './checks';
import { grid1d, uniforms } from './grid';
import { weightPipeline } from './weight-access';

export interface EmbeddingOptions {
  /** Multiplies every row (gemma: sqrt(D)). */
  scale?: number;
  /** First vocabulary id held by this table block (split tables larger than one binding). */
  rowOffset?: number;
}

const WG = 256;

/** out[t] = table[ids[t] - rowOffset] * scale (table f32/bf16/f16, out f32) for ids in [rowOffset, rowOffset + Vc); other rows untouched. */
export function embedding(gpu: Gpu, rec: Recorder, table: Tensor, ids: GPUBuffer, out: Tensor, opts: EmbeddingOptions = {}): void {
  const op = 'embedding';
  const [Vc, D] = dims2(op, 'table', table);
  const [T, Do] = dims2(op, 'out', out);
  if (Do !== D) throw new ShapeError(op, 'out must be [T, D] with the table width D', { table: table.shape, out: out.shape });
  expectU32(op, 'ids', ids, T);
  const rowOffset = opts.rowOffset ?? 0;
  const params = uniforms([
    ['u32', T],
    ['u32', D],
    ['u32', Vc],
    ['u32', rowOffset],
    ['f32', opts.scale ?? 1],
  ]);
  rec.dispatch(weightPipeline(gpu, 'nn/embedding', code, table, { WG }), [table.buffer, ids, out.buffer], grid1d(gpu, T * D, WG), params);
}
