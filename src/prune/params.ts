// Parameter accounting through the weight table: counts per group for the dense model
// or for a (V', I') choice, and bytes on disk (source dtype) / on the GPU (f32).
import type { WeightRef, WeightRole } from '../model/weights';

/** Parameters per group for a dense or pruned model. */
export interface ParamBreakdown {
  embedding: number;
  lmHead: number; // 0 when tied
  attention: number;
  ffn: number;
  norms: number;
  total: number;
}

const GROUP: Record<WeightRole, keyof Omit<ParamBreakdown, 'total'>> = {
  embed: 'embedding',
  lmHead: 'lmHead',
  q: 'attention', k: 'attention', v: 'attention', o: 'attention',
  qBias: 'attention', kBias: 'attention', vBias: 'attention', oBias: 'attention',
  gate: 'ffn', up: 'ffn', down: 'ffn', gateBias: 'ffn', upBias: 'ffn', downBias: 'ffn',
  finalNorm: 'norms', attnNorm: 'norms', qNorm: 'norms', kNorm: 'norms',
  postAttnNorm: 'norms', preFfnNorm: 'norms', postFfnNorm: 'norms',
};

/** Elements of one table entry once the vocabulary is V' and the FFN width I'. */
export function prunedNumel(ref: WeightRef, vocabKeep: number, ffnKeep: number): number {
  const shape = [...ref.shape];
  if (ref.prune === 'vocabRows' || ref.prune === 'ffnRows' || ref.prune === 'ffnVector') shape[0] = ref.prune === 'vocabRows' ? vocabKeep : ffnKeep;
  if (ref.prune === 'ffnCols') shape[1] = ffnKeep;
  return shape.reduce((a, b) => a * b, 1);
}

export function paramBreakdown(table: WeightRef[], vocabKeep: number, ffnKeep: number): ParamBreakdown {
  const p: ParamBreakdown = { embedding: 0, lmHead: 0, attention: 0, ffn: 0, norms: 0, total: 0 };
  for (const ref of table) {
    const n = prunedNumel(ref, vocabKeep, ffnKeep);
    p[GROUP[ref.role]] += n;
    p.total += n;
  }
  return p;
}

/** Bytes of the weights for (V', I') given each tensor's element size. */
export function weightBytes(table: WeightRef[], elemBytes: (name: string) => number, vocabKeep: number, ffnKeep: number): number {
  let total = 0;
  for (const ref of table) total += prunedNumel(ref, vocabKeep, ffnKeep) * elemBytes(ref.name);
  return total;
}

/** The default vocabulary shares of a budget split: 0, 1/8, ..., 1. */
export const SPLIT_SHARES = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1];

export interface BudgetSplit {
  vocabKeep: number;
  ffnKeep: number;
  /** the vocabulary share of the removal asked for (rows are capped at the removable ones). */
  share: number;
  params: number;
}

/**
 * (V', I') pairs that remove at least `1 - targetParams / total` of the parameters, splitting
 * the removed budget between vocabulary rows and whole FFN channels (as the anchors do):
 * share s of the removal goes to vocabulary rows (ceil), the rest to FFN channels.
 */
export function budgetSplits(table: WeightRef[], V: number, I: number, minVocab: number, targetParams: number, shares: number[] = SPLIT_SHARES): BudgetSplit[] {
  const params = (v: number, i: number) => paramBreakdown(table, v, i).total;
  return splitsUnder(params, V, I, minVocab, targetParams, shares).map((p) => ({ ...p, params: params(p.vocabKeep, p.ffnKeep) }));
}

/**
 * The same rule for any cost that grows linearly with V' and I' (parameters, or weight bytes
 * in the stored dtypes): share s of (cost(V, I) - max) as vocabulary rows (ceil, at most
 * V - minVocab), the rest as FFN channels (ceil), so cost(V', I') <= max. Shares whose FFN part
 * would need every channel are left out; repeated pairs appear once (the first share).
 */
export function splitsUnder(
  cost: (vocabKeep: number, ffnKeep: number) => number,
  V: number,
  I: number,
  minVocab: number,
  max: number,
  shares: number[] = SPLIT_SHARES,
): { vocabKeep: number; ffnKeep: number; share: number }[] {
  const dense = cost(V, I);
  const remove = dense - max;
  if (remove <= 0) return [{ vocabKeep: V, ffnKeep: I, share: 0 }];
  const rowCost = dense - cost(V - 1, I);
  const channelCost = dense - cost(V, I - 1);
  const out = [];
  const seen = new Set<string>();
  for (const s of shares) {
    const rows = Math.min(V - minVocab, Math.ceil((s * remove) / rowCost));
    const left = remove - rows * rowCost;
    const channels = Math.max(0, Math.ceil(left / channelCost));
    if (channels >= I) continue; // cannot remove this much through the FFN
    const vocabKeep = V - rows;
    const ffnKeep = I - channels;
    const key = `${vocabKeep}/${ffnKeep}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ vocabKeep, ffnKeep, share: s });
  }
  return out;
}
