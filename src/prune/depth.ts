// Depth pruning baseline (ShortGPT, Men et al. 2024): block influence of layer l,
//   BI_l = 1 - mean_t cos(x_in[t], x_out[t])  (x: the residual stream [T, D]),
// measured on the calibration tokens; the layers with the lowest BI are dropped until
// at least the target number of parameters is removed. The model keeps the standard
// layout (fewer decoder layers), like COMPACT.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { createScratch, destroyScratch, recordForward, residentWeights, type LoadedModel } from '../model/forward';
import { layerSubset } from '../model/weight-source';
import type { WeightRef } from '../model/weights';
import { calibrationShape, type CalibrationWindows } from './calibration';
import { PruneSettingsError } from './ffn-select';

/** Adds cos(a[t], b[t]) of every row t of two [T, D] matrices to acc (float64 sums). */
export function accumulateRowCosines(a: Float32Array, b: Float32Array, D: number, acc: { sum: number; rows: number }): void {
  if (a.length !== b.length || a.length % D !== 0) throw new RangeError(`row cosines: sizes ${a.length} and ${b.length} are not equal multiples of D=${D}`);
  for (let o = 0; o < a.length; o += D) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let d = 0; d < D; d++) {
      const x = a[o + d];
      const y = b[o + d];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    // a zero row has no direction: count it as unchanged (cos 1), as it cannot carry influence
    acc.sum += aa === 0 || bb === 0 ? 1 : ab / Math.sqrt(aa * bb);
    acc.rows++;
  }
}

/**
 * BI per layer ([L]) over the calibration windows. The residual stream after every layer
 * is copied out of the forward pass (onLayerOutput hook) and compared on the CPU:
 * (L + 1) x [T, D] floats per batch come back, acceptable for a baseline (resident models only).
 */
export async function blockInfluence(gpu: Gpu, m: LoadedModel, cal: CalibrationWindows, activationBytes: number): Promise<number[]> {
  residentWeights(m, 'block influence (the depth-pruning baseline)');
  const S = cal.seqLen;
  const L = m.spec.layers;
  const D = m.spec.hidden;
  const B = calibrationShape(gpu, m, cal, activationBytes).batchWindows;
  const T = B * S;
  const s = createScratch(gpu, m, T);
  // snapshot k holds x after layer k - 1 (k = 0: the embedding output)
  const snaps: Tensor[] = Array.from({ length: L + 1 }, (_, k) => gpu.tensor([T, D], `residual ${k}`));
  const acc = Array.from({ length: L }, () => ({ sum: 0, rows: 0 }));
  try {
    for (let w0 = 0; w0 < cal.samples; w0 += B) {
      gpu.device.queue.writeBuffer(s.ids, 0, cal.ids.slice(w0 * S, (w0 + B) * S));
      const rec = gpu.recorder('block influence');
      recordForward(gpu, rec, m, s, S, {
        onLayerOutput: (l, x, r) => r.encoder.copyBufferToBuffer(x.buffer, 0, snaps[l + 1].buffer, 0, T * D * 4),
      }, false);
      rec.submit();
      let prev = await gpu.read(snaps[0]);
      for (let l = 0; l < L; l++) {
        const next = await gpu.read(snaps[l + 1]);
        accumulateRowCosines(prev, next, D, acc[l]);
        prev = next;
      }
    }
  } finally {
    destroyScratch(gpu, s);
    for (const t of snaps) gpu.destroy(t);
  }
  return acc.map((a) => 1 - a.sum / a.rows);
}

/** Parameters of each decoder layer ([L]) from the weight table. */
export function layerParamCounts(table: WeightRef[], layers: number): number[] {
  const out = new Array<number>(layers).fill(0);
  for (const ref of table) if (ref.layer !== null) out[ref.layer] += ref.shape.reduce((a, b) => a * b, 1);
  return out;
}

/**
 * Layers to drop, ascending: lowest BI first (ties: the later layer first) until the
 * dropped parameters reach `removeAtLeast`. At least one layer always stays.
 * Returns null when even dropping all but one layer removes too little.
 */
export function layersToDrop(bi: number[], layerParams: number[], removeAtLeast: number): number[] | null {
  if (bi.length !== layerParams.length) throw new RangeError(`BI has ${bi.length} layers, parameter counts ${layerParams.length}`);
  const order = bi.map((_, l) => l).sort((a, b) => bi[a] - bi[b] || b - a);
  const drop: number[] = [];
  let removed = 0;
  for (const l of order) {
    if (removed >= removeAtLeast) break;
    if (drop.length === bi.length - 1) return null;
    drop.push(l);
    removed += layerParams[l];
  }
  return removed >= removeAtLeast ? drop.sort((a, b) => a - b) : null;
}

/** The model without the given decoder layers (weights shared, nothing allocated). */
export function dropLayers(m: LoadedModel, drop: number[]): LoadedModel {
  const L = m.spec.layers;
  for (const l of drop) {
    if (!Number.isInteger(l) || l < 0 || l >= L) throw new PruneSettingsError(`cannot drop layer ${l}: the model has layers 0..${L - 1}`);
  }
  const keep = Array.from({ length: L }, (_, l) => l).filter((l) => !drop.includes(l));
  if (keep.length === 0) throw new PruneSettingsError('cannot drop every layer: keep at least one');
  return {
    ...m,
    spec: { ...m.spec, layers: keep.length, layerKinds: keep.map((l) => m.spec.layerKinds[l]) },
    source: layerSubset(m.source, keep),
  };
}
