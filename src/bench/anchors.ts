// The PyTorch reference's cells (bench/reference/quality-<model>.json): best split per
// method and target, read into the shape our report prints beside our own numbers.

export interface AnchorCell {
  bpb: number;
  ppl: number;
  share: number | null;
  reduction: number;
  layers: number;
  vocabKeep?: number;
  ffnKeep?: number;
}

export interface AnchorModel {
  denseBpb: number;
  densePpl: number;
  blockInfluence: number[] | null;
  /** method -> String(r) -> best cell, or null (n/a). */
  best: Record<string, Record<string, AnchorCell | null>>;
}

type Json = Record<string, any>;

/** Parses an anchors file; throws a clear error when it is not one. */
export function parseAnchors(json: Json, source: string): AnchorModel {
  if (!json || typeof json.dense?.bpb !== 'number' || typeof json.best !== 'object') {
    throw new Error(`${source} is not a reference quality file (needs dense.bpb and best): check --reference (default bench/reference)`);
  }
  const best: AnchorModel['best'] = {};
  for (const [method, byTarget] of Object.entries(json.best as Json)) {
    best[method] = {};
    for (const [r, c] of Object.entries(byTarget as Json)) {
      best[method][String(Number(r))] = c && typeof c.bpb === 'number'
        ? { bpb: c.bpb, ppl: c.ppl, share: c.split ?? null, reduction: c.reduction, layers: c.layers, vocabKeep: c.vocab_kept, ffnKeep: c.intermediate_size }
        : null;
    }
  }
  return {
    denseBpb: json.dense.bpb,
    densePpl: json.dense.ppl,
    blockInfluence: Array.isArray(json.calibration?.block_influence) ? json.calibration.block_influence : null,
    best,
  };
}
