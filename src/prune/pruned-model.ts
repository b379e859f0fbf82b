// Builds the pruned model on the GPU from the loaded one (for the preview): gathers the
// kept vocabulary rows of embed / lm_head and the kept FFN channels (gate/up rows,
// down columns, biases). Attention and norm tensors are shared, not copied.
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { gatherCols, gatherRows } from '../gpu/ops';
import type { LayerWeights, ModelWeights, VocabChunk } from '../model/load';
import type { LoadedModel } from '../model/forward';

export interface PruneSelection {
  keptVocab: Uint32Array; // ascending old ids, [V']
  keptFfn: Uint32Array[]; // per layer, ascending channels, [I'] each
}

function gatherVocabChunks(gpu: Gpu, chunks: VocabChunk[], kept: Uint32Array, created: Tensor[]): VocabChunk[] {
  const out: VocabChunk[] = [];
  let newOffset = 0;
  for (const c of chunks) {
    const local = [];
    for (const id of kept) if (id >= c.rowOffset && id < c.rowOffset + c.rows) local.push(id - c.rowOffset);
    if (local.length === 0) continue;
    const idx = gpu.u32Buffer(Uint32Array.from(local), 'vocab idx');
    const table = gpu.tensor([local.length, c.table.shape[1]], `${c.table.label} pruned`);
    const rec = gpu.recorder('gather vocab');
    gatherRows(gpu, rec, c.table, idx, table);
    rec.submit();
    gpu.destroy(idx);
    created.push(table);
    out.push({ table, rowOffset: newOffset, rows: local.length });
    newOffset += local.length;
  }
  return out;
}

function gatherFfn(gpu: Gpu, w: LayerWeights, kept: Uint32Array, created: Tensor[]): LayerWeights {
  const idx = gpu.u32Buffer(kept, 'ffn idx');
  const rec = gpu.recorder('gather ffn');
  const rows = (t: Tensor) => {
    const out = gpu.tensor([kept.length, ...t.shape.slice(1)], `${t.label} pruned`);
    // a bias [I] is gathered as [I, 1] rows
    gatherRows(gpu, rec, t.shape.length === 1 ? { ...t, shape: [t.shape[0], 1] } : t, idx, t.shape.length === 1 ? { ...out, shape: [kept.length, 1] } : out);
    created.push(out);
    return out;
  };
  const cols = (t: Tensor) => {
    const out = gpu.tensor([t.shape[0], kept.length], `${t.label} pruned`);
    gatherCols(gpu, rec, t, idx, out);
    created.push(out);
    return out;
  };
  const pruned: LayerWeights = { ...w, gate: rows(w.gate!), up: rows(w.up!), down: cols(w.down!) };
  if (w.gateBias) pruned.gateBias = rows(w.gateBias);
  if (w.upBias) pruned.upBias = rows(w.upBias);
  rec.submit();
  gpu.destroy(idx);
  return pruned;
}

export interface PrunedModel {
  model: LoadedModel;
  /** tensors owned by the pruned model (the rest are shared with the original). */
  owned: Tensor[];
}

export function buildPrunedModel(gpu: Gpu, m: LoadedModel, sel: PruneSelection): PrunedModel {
  const owned: Tensor[] = [];
  const embed = gatherVocabChunks(gpu, m.weights.embed, sel.keptVocab, owned);
  const tied = m.weights.lmHead === m.weights.embed;
  const lmHead = tied ? embed : gatherVocabChunks(gpu, m.weights.lmHead, sel.keptVocab, owned);
  const layers = m.weights.layers.map((w, l) => gatherFfn(gpu, w, sel.keptFfn[l], owned));
  const weights: ModelWeights = { embed, lmHead, finalNorm: m.weights.finalNorm, layers };
  return {
    model: { ...m, weights, vocabSize: sel.keptVocab.length, intermediate: sel.keptFfn[0].length },
    owned,
  };
}

export function destroyPrunedModel(gpu: Gpu, p: PrunedModel): void {
  for (const t of p.owned) gpu.destroy(t);
}
