// The pruned model on the GPU (the preview), built from the loaded one through the weight
// table's prune axes (the same axes the export and the parameter counts use): vocabulary rows of
// embed / lm_head, FFN rows of gate/up (and their biases), FFN columns of down. Attention and
// norm tensors are shared, not copied. Over a resident model with room for it, the gathered
// tensors are made once (cached); otherwise (streamed, or no room) each pass gathers a layer into
// one of two slots right after the base source provides it, in the same queue order.
import type { Gpu, Recorder } from '../gpu/context';
import { numel, type Tensor } from '../gpu/tensor';
import { gatherCols, gatherRows } from '../gpu/ops';
import type { LayerRole, LayerWeights, ModelWeights, VocabChunk } from '../model/load';
import type { LoadedModel } from '../model/forward';
import type { WeightSource } from '../model/weight-source';
import type { PruneAxis, WeightRef } from '../model/weights';

export interface PruneSelection {
  keptVocab: Uint32Array; // ascending old ids, [V']
  keptFfn: Uint32Array[]; // per layer, ascending channels, [I'] each
}

export interface PrunedModel {
  model: LoadedModel;
  /** GPU bytes the pruned model adds beside the original (cached tensors or slots). */
  gpuBytes(): number;
  dispose(): void;
}

/** Allocates gather outputs and frees them together. */
class Owned {
  private readonly tensors: Tensor[] = [];
  bytes = 0;
  constructor(private readonly gpu: Gpu) {}
  like(src: Tensor, shape: number[], label: string): Tensor {
    const t = (src.dtype ?? 'f32') === 'f32' ? this.gpu.tensor(shape, label) : this.gpu.weight(shape, src.dtype!, label);
    this.tensors.push(t);
    this.bytes += t.buffer.size;
    return t;
  }
  index(values: Uint32Array, label: string): GPUBuffer {
    const b = this.gpu.u32Buffer(values, label);
    this.tensors.push({ buffer: b, shape: [values.length], label });
    this.bytes += b.size;
    return b;
  }
  dispose(): void {
    for (const t of this.tensors) this.gpu.destroy(t.buffer);
    this.tensors.length = 0;
    this.bytes = 0;
  }
}

/** Records the gather of one layer tensor along its prune axis into `out` (null axis: nothing). */
function recordSlice(gpu: Gpu, rec: Recorder, axis: PruneAxis, src: Tensor, idx: GPUBuffer, out: Tensor): void {
  if (axis === 'ffnRows') gatherRows(gpu, rec, src, idx, out);
  else if (axis === 'ffnVector') gatherRows(gpu, rec, { ...src, shape: [src.shape[0], 1] }, idx, { ...out, shape: [out.shape[0], 1] });
  else if (axis === 'ffnCols') gatherCols(gpu, rec, src, idx, out);
  else throw new Error(`internal: no layer gather for prune axis ${axis}`);
}

function prunedShape(axis: PruneAxis, shape: readonly number[], keep: number): number[] {
  const s = [...shape];
  if (axis === 'ffnRows' || axis === 'ffnVector' || axis === 'vocabRows') s[0] = keep;
  if (axis === 'ffnCols') s[1] = keep;
  return s;
}

/** Ids of `kept` (ascending) inside [rowOffset, rowOffset + rows), relative to the chunk, and how many kept ids precede it. */
function chunkSelection(kept: Uint32Array, rowOffset: number, rows: number): { local: Uint32Array; before: number } {
  let lo = 0;
  while (lo < kept.length && kept[lo] < rowOffset) lo++;
  let hi = lo;
  while (hi < kept.length && kept[hi] < rowOffset + rows) hi++;
  return { local: kept.subarray(lo, hi).map((id) => id - rowOffset), before: lo };
}

export interface BuildPrunedOptions {
  /** make every gathered tensor once (needs room for them); false: gather per pass into slots. */
  cache: boolean;
  /** GPU bytes per element of a table entry (slots are sized before their first use). */
  gpuElemBytes: (ref: WeightRef) => number;
}

export function buildPrunedModel(gpu: Gpu, m: LoadedModel, sel: PruneSelection, table: WeightRef[], opts: BuildPrunedOptions): PrunedModel {
  const base = m.source;
  const layerAxes = new Map<string, PruneAxis>(); // role -> axis (the same in every layer)
  for (const r of table) if (r.layer !== null && r.prune) layerAxes.set(r.role, r.prune);
  const tied = !table.some((r) => r.role === 'lmHead');
  const Iq = sel.keptFfn[0].length;
  const owned = new Owned(gpu);
  const ffnIdx = sel.keptFfn.map((k, l) => owned.index(k, `ffn idx L${l}`));

  /** Pruned copy of layer w (pruned tensors into `into`, or new ones), shared tensors as they are. */
  const sliceLayer = (w: LayerWeights, l: number, into?: LayerWeights): LayerWeights => {
    const out: LayerWeights = { ...w };
    const rec = gpu.recorder(`prune layer ${l}`);
    for (const [role, axis] of layerAxes) {
      const src = w[role as LayerRole];
      if (!src) continue;
      const shape = prunedShape(axis, src.shape, Iq);
      const dst = into?.[role as LayerRole] ?? owned.like(src, shape, `${src.label} pruned`);
      recordSlice(gpu, rec, axis, src, ffnIdx[l], dst);
      out[role as LayerRole] = dst;
    }
    rec.submit();
    return out;
  };

  const sliceChunk = (c: VocabChunk, into: Tensor | null): VocabChunk | null => {
    const { local, before } = chunkSelection(sel.keptVocab, c.rowOffset, c.rows);
    if (local.length === 0) return null;
    const table = into ? { ...into, shape: [local.length, c.table.shape[1]] } : owned.like(c.table, [local.length, c.table.shape[1]], `${c.table.label} pruned`);
    const idx = gpu.u32Buffer(local, 'vocab idx');
    const rec = gpu.recorder('prune vocab chunk');
    gatherRows(gpu, rec, c.table, idx, table);
    rec.submit();
    gpu.destroy(idx); // destruction waits for the submitted gather
    return { table, rowOffset: before, rows: local.length };
  };

  let source: WeightSource;
  if (opts.cache && base.resident) {
    const r = base.resident;
    const embed = r.embed.map((c) => sliceChunk(c, null)).filter((c): c is VocabChunk => c !== null);
    const lmHead = tied ? embed : r.lmHead.map((c) => sliceChunk(c, null)).filter((c): c is VocabChunk => c !== null);
    const weights: ModelWeights = { embed, lmHead, finalNorm: r.finalNorm, layers: r.layers.map((w, l) => sliceLayer(w, l)) };
    source = {
      resident: weights,
      layer: async (l) => weights.layers[l],
      release: () => {},
      async forEachVocabChunk(which, use) {
        for (const c of which === 'embed' ? weights.embed : weights.lmHead) use(c);
      },
      vocabChunkRows: (which) => Math.max(...(which === 'embed' ? weights.embed : weights.lmHead).map((c) => c.rows)),
      finalNorm: r.finalNorm,
      gpuBytes: () => owned.bytes,
      dispose: () => owned.dispose(),
    };
  } else {
    // what the two layer slots and two vocabulary-chunk slots will hold, counted from the start
    const layer0 = table.filter((r) => r.layer === 0 && r.prune);
    const embedRef = table.find((r) => r.role === 'embed')!;
    const slotEstimate =
      2 * layer0.reduce((a, r) => a + numel(prunedShape(r.prune, r.shape, Iq)) * opts.gpuElemBytes(r), 0) +
      2 * base.vocabChunkRows('embed') * embedRef.shape[1] * opts.gpuElemBytes(embedRef);
    const slots: LayerWeights[] = [{}, {}];
    const chunkSlots: (Tensor | null)[] = [null, null];
    let slotsReady = false;
    source = {
      resident: null,
      async layer(l, next) {
        const w = await base.layer(l, next);
        if (!slotsReady) {
          // two slots shaped like a pruned layer
          for (const slot of slots) for (const [role, axis] of layerAxes) {
            const src = w[role as LayerRole];
            if (src) slot[role as LayerRole] = owned.like(src, prunedShape(axis, src.shape, Iq), `pruned slot ${role}`);
          }
          slotsReady = true;
        }
        const out = sliceLayer(w, l, slots[l % 2]);
        base.release(l); // the gather is submitted: the base slot may take its next layer
        return out;
      },
      release: () => {}, // pruned slots are rewritten by GPU gathers, ordered after the pass that read them
      async forEachVocabChunk(which, use) {
        let k = 0;
        await base.forEachVocabChunk(which, (c) => {
          const s = k++ % 2;
          if (!chunkSlots[s] || numel(chunkSlots[s]!.shape) < c.rows * c.table.shape[1]) chunkSlots[s] = owned.like(c.table, [c.rows, c.table.shape[1]], `pruned chunk slot ${s}`);
          const pc = sliceChunk(c, chunkSlots[s]);
          if (pc) use(pc);
        });
      },
      vocabChunkRows: (which) => Math.min(base.vocabChunkRows(which), sel.keptVocab.length),
      finalNorm: base.finalNorm,
      gpuBytes: () => Math.max(owned.bytes, slotEstimate),
      dispose: () => owned.dispose(),
    };
  }
  return {
    model: { ...m, source, vocabSize: sel.keptVocab.length, intermediate: Iq },
    gpuBytes: () => source.gpuBytes(),
    dispose: () => source.dispose(),
  };
}

/** GPU bytes a cached pruned model adds: its gathered tensors in their stored dtypes. */
export function prunedCacheBytes(table: WeightRef[], dtypeBytes: (name: string) => number, sel: PruneSelection): number {
  let bytes = 0;
  for (const r of table) {
    if (!r.prune) continue;
    const keep = r.prune === 'vocabRows' ? sel.keptVocab.length : sel.keptFfn[r.layer ?? 0].length;
    bytes += numel(prunedShape(r.prune, r.shape, keep)) * dtypeBytes(r.name);
  }
  return bytes;
}
