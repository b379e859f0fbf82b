// The quality benchmark for one model (issue 5): every (method, reduction, split) cell
// evaluated on the held-out span under the anchors' protocol, on the engine's session.
// Identical pruned models (same kept vocabulary and channels) are evaluated once.
import type { EngineSession } from '../engine/session';
import type { CountSpan, EvalResult, ParamBreakdown, SweepResult, VocabOrder } from '../engine/types';
import { bestCandidate, rankingLabel } from '../engine/target';
import { evaluateIds } from '../eval/perplexity';
import { weightTable, type WeightRef } from '../model/weights';
import { calibrationWindows } from '../prune/calibration';
import { blockInfluence, dropLayers, layerParamCounts, layersToDrop } from '../prune/depth';
import { budgetSplits, paramBreakdown } from '../prune/params';
import type { PruneSelection } from '../prune/pruned-model';
import { AUTO_SHARES, splitCell, type Method, type ModelCosts, type TargetMethod, type WidthMethod } from './grid';

export const PROTOCOL = { samples: 16, sampleTokens: 512, evalBytes: 65536, seq: 256 };

export interface QualityCell {
  method: string;
  r: number; // target reduction (0..1)
  share: number | null; // vocabulary share of the removal; null for depth
  status: 'ok' | 'n/a';
  reason?: string;
  order?: VocabOrder;
  /** what frequency order counted (target methods; the reference's methods: the calibration windows) */
  countSpan?: CountSpan;
  closure?: boolean;
  vocabKeep?: number; // V'
  ffnKeep?: number; // I'
  layers?: number;
  layersDropped?: number[];
  params?: number;
  reduction?: number; // achieved: 1 - params / dense
  bits_per_byte?: number;
  ppl?: number;
  mean_nll?: number;
  predicted?: number;
  bytes?: number;
  /** the first cell that evaluated the identical model. */
  sameModelAs?: string;
  /** target methods: the chosen candidate's criterion and its bits/byte on the selection text, and how many candidates were measured. */
  criterion?: string;
  select_bits_per_byte?: number;
  candidates?: number;
}

export interface ModelQuality {
  model: string;
  params: ParamBreakdown;
  costs: ModelCosts;
  dense: EvalResult;
  calibration: { tokens: number; distinctTokens: number; seconds: number };
  blockInfluence: number[] | null;
  cells: QualityCell[];
  /** best ok cell per method and target reduction (lowest bits/byte). */
  best: Record<string, Record<string, QualityCell | null>>;
  seconds: number;
}

export interface QualityOptions {
  reductions: number[];
  methods: Method[];
  evalBytes?: number;
  /** the text target methods choose on (never the evaluation span). */
  selectText?: string;
  /** calibration windows (default PROTOCOL's 16 x 512; fewer only for smoke tests on a CPU). */
  samples?: number;
  sampleTokens?: number;
  log?: (line: string) => void;
}

/** A short fingerprint of a selection (FNV-1a over ids, two lanes). */
export function selectionKey(sel: PruneSelection): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  const add = (v: number) => {
    a = Math.imul(a ^ v, 0x01000193) >>> 0;
    b = Math.imul(b ^ (v + 0x9e3779b9), 0x85ebca6b) >>> 0;
  };
  add(sel.keptVocab.length);
  for (const id of sel.keptVocab) add(id);
  for (const layer of sel.keptFfn) {
    add(0xffffffff);
    for (const c of layer) add(c);
  }
  return `${sel.keptVocab.length}/${sel.keptFfn[0]?.length}/${a.toString(16)}${b.toString(16)}`;
}

export function bestCells(cells: QualityCell[], methods: string[], reductions: number[]): ModelQuality['best'] {
  const best: ModelQuality['best'] = {};
  for (const m of methods) {
    best[m] = {};
    for (const r of reductions) {
      const ok = cells.filter((c) => c.method === m && c.r === r && c.status === 'ok');
      best[m][String(r)] = ok.reduce<QualityCell | null>((x, c) => (x === null || c.bits_per_byte! < x.bits_per_byte! ? c : x), null);
    }
  }
  return best;
}

const cellId = (c: QualityCell) => `${c.method}@${c.r}@${c.share ?? '-'}${c.order && c.method === 'auto' ? `@${c.order}` : ''}`;

export async function runModelQuality(s: EngineSession, name: string, calibText: string, heldOut: string, opts: QualityOptions): Promise<ModelQuality> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const evalOpts = { tokens: Infinity, seq: PROTOCOL.seq };
  const table: WeightRef[] = weightTable(s.spec, new Set(s.ckpt.entries.keys()));
  const { vocabSize: V, intermediate: I } = s.spec;
  const params = paramBreakdown(table, V, I);
  const dense = await s.evaluate(null, heldOut, evalOpts);
  log(`${name}: dense ${dense.bits_per_byte.toFixed(4)} bits/byte, ppl ${dense.ppl.toFixed(3)} (${dense.tokens} tokens)`);

  const tc = performance.now();
  // exact f32 passes (the reference's precision) whatever the adapter offers; the reference's
  // methods count frequency in the calibration windows only (its rule), target methods choose
  const samples = opts.samples ?? PROTOCOL.samples;
  const sampleTokens = opts.sampleTokens ?? PROTOCOL.sampleTokens;
  const cal = await s.calibrate(calibText, { samples, sampleTokens, vocabOrder: 'id', criterion: 'common-act2', closure: false, mode: 'exact', countSpan: 'windows' });
  const calibration = { tokens: cal.tokens, distinctTokens: cal.distinctTokens, seconds: (performance.now() - tc) / 1000 };
  const costs: ModelCosts = {
    dense: params.total,
    vocab: V,
    ffn: I,
    rowCost: params.total - paramBreakdown(table, V - 1, I).total,
    channelCost: params.total - paramBreakdown(table, V, I - 1).total,
    removableRows: V - cal.minVocab,
  };

  const cells: QualityCell[] = [];
  const evaluated = new Map<string, { cell: QualityCell }>();
  const record = (c: QualityCell) => {
    cells.push(c);
    const what = c.status === 'ok'
      ? `bpb ${c.bits_per_byte!.toFixed(4)} ppl ${c.ppl!.toPrecision(4)} -${(c.reduction! * 100).toFixed(1)}%${c.sameModelAs ? ` (= ${c.sameModelAs})` : ''}`
      : `n/a: ${c.reason}`;
    log(`  ${cellId(c).padEnd(30)} V'=${c.vocabKeep ?? '-'} I'=${c.ffnKeep ?? '-'} L=${c.layers ?? '-'}  ${what}`);
  };

  /** Evaluates (or reuses) the width-pruned model of a cell under the session's current options. */
  const widthCell = async (base: QualityCell, vocabKeep: number, ffnKeep: number): Promise<void> => {
    const req = { vocabKeep, ffnKeep };
    const { sel } = await s.selection(req);
    const key = selectionKey(sel);
    const plan = s.planSummary(req);
    const cell: QualityCell = {
      ...base, status: 'ok', vocabKeep: sel.keptVocab.length, ffnKeep, layers: s.spec.layers,
      params: plan.params.total, reduction: 1 - plan.params.total / params.total,
    };
    const seen = evaluated.get(key);
    if (seen) {
      const { bits_per_byte, ppl, mean_nll, predicted, bytes } = seen.cell;
      record({ ...cell, bits_per_byte, ppl, mean_nll, predicted, bytes, sameModelAs: seen.cell.sameModelAs ?? cellId(seen.cell) });
      return;
    }
    const r = await s.evaluate(req, heldOut, evalOpts);
    Object.assign(cell, { bits_per_byte: r.bits_per_byte, ppl: r.ppl, mean_nll: r.mean_nll, predicted: r.predicted, bytes: r.bytes });
    evaluated.set(key, { cell });
    record(cell);
  };

  const widthMethod = async (m: WidthMethod) => {
    s.setOptions({ vocabOrder: m.order, criterion: m.criterion, closure: m.closure, countSpan: 'windows' });
    for (const r of opts.reductions) {
      for (const share of m.shares) {
        const base: QualityCell = { method: m.name, r, share, status: 'n/a', order: m.order, closure: m.closure };
        const split = splitCell(costs, r, share);
        if (!split.ok) record({ ...base, reason: split.reason });
        else await widthCell(base, split.vocabKeep, split.ffnKeep);
      }
    }
  };

  let bi: number[] | null = null;
  const depthMethod = async () => {
    const windows = calibrationWindows(s.tokenizer.encode(calibText), samples, sampleTokens);
    bi = await blockInfluence(s.gpu, s.model, windows, s.activationBytes());
    log(`  block influence: ${bi.map((b) => b.toFixed(4)).join(' ')}`);
    const layerParams = layerParamCounts(table, s.spec.layers);
    const ids = s.tokenizer.encode(heldOut);
    const byDrop = new Map<string, QualityCell>();
    for (const r of opts.reductions) {
      const drop = layersToDrop(bi, layerParams, r * params.total);
      const base: QualityCell = { method: 'depth', r, share: null, status: 'n/a' };
      if (drop === null) {
        record({ ...base, reason: 'dropping all but one layer removes too little' });
        continue;
      }
      const removed = drop.reduce((a, l) => a + layerParams[l], 0);
      const cell: QualityCell = {
        ...base, status: 'ok', vocabKeep: V, ffnKeep: I, layers: s.spec.layers - drop.length, layersDropped: drop,
        params: params.total - removed, reduction: removed / params.total,
      };
      const seen = byDrop.get(drop.join(','));
      if (seen) {
        const { bits_per_byte, ppl, mean_nll, predicted, bytes } = seen;
        record({ ...cell, bits_per_byte, ppl, mean_nll, predicted, bytes, sameModelAs: cellId(seen) });
        continue;
      }
      const res = await evaluateIds(s.gpu, dropLayers(s.model, drop), ids, (id) => s.tokenizer.tokenByteLength(id), {
        maxTokens: Infinity, seq: PROTOCOL.seq, bosId: null, activationBytes: s.activationBytes(),
      });
      Object.assign(cell, { bits_per_byte: res.bits_per_byte, ppl: res.ppl, mean_nll: res.mean_nll, predicted: res.predicted, bytes: res.bytes });
      byDrop.set(drop.join(','), cell);
      record(cell);
    }
  };

  const autoMethod = async (orders: VocabOrder[]) => {
    for (const order of orders) {
      s.setOptions({ vocabOrder: order, criterion: 'common-act2', closure: true, countSpan: 'windows' });
      for (const r of opts.reductions) {
        const pairs = budgetSplits(table, V, I, cal.minVocab, params.total - r * params.total, AUTO_SHARES);
        for (const p of pairs) await widthCell({ method: 'auto', r, share: p.share, status: 'n/a', order, closure: true }, p.vocabKeep, p.ffnKeep);
      }
    }
  };

  // the engine's search, chosen on the selection text; then the winner once on the evaluation span
  const searches = new Map<string, SweepResult>();
  const targetMethod = async (m: TargetMethod) => {
    if (!opts.selectText) throw new Error('target methods need a selection text (QualityOptions.selectText)');
    for (const r of opts.reductions) {
      const budget = { kind: 'params' as const, max: Math.floor(params.total * (1 - r)) };
      let search: SweepResult | null = null;
      for (const criterion of m.criteria) {
        // one search per (count spans, r, criterion), shared by the target methods that ask for it
        const key = `${m.countSpans.join('+')}/${r}/${criterion}`;
        let found = searches.get(key);
        if (!found) {
          s.setOptions({ vocabOrder: 'frequency', criterion, closure: true, countSpan: 'text' });
          found = await s.searchTarget({ budget, selectText: opts.selectText, eval: evalOpts, criteria: [criterion], countSpans: m.countSpans });
          searches.set(key, found);
          for (const p of found.points) log(`  ${m.name}@${r} candidate ${rankingLabel(p)} ${p.criterion} s=${p.share} V'=${p.vocabKeep} I'=${p.ffnKeep}: selection ${p.bits_per_byte.toFixed(4)}`);
        }
        search = search ? { ...found, points: [...search.points, ...found.points], best: bestCandidate([search.best, found.best].filter((p) => p !== null)) } : found;
      }
      const best = search!.best;
      const base: QualityCell = { method: m.name, r, share: best?.share ?? null, status: 'n/a', candidates: search!.points.length };
      if (!best) {
        record({ ...base, reason: 'no split fits the budget' });
        continue;
      }
      s.setOptions({ vocabOrder: best.order, criterion: best.criterion, closure: best.closure, countSpan: best.countSpan });
      await widthCell({ ...base, order: best.order, countSpan: best.countSpan, closure: best.closure, criterion: best.criterion, select_bits_per_byte: best.bits_per_byte }, best.vocabKeep, best.ffnKeep);
    }
  };

  for (const m of opts.methods) {
    if (m.kind === 'width') await widthMethod(m);
    else if (m.kind === 'depth') await depthMethod();
    else if (m.kind === 'target') await targetMethod(m);
    else await autoMethod(m.orders);
  }
  return {
    model: name,
    params,
    costs,
    dense,
    calibration,
    blockInfluence: bi,
    cells,
    best: bestCells(cells, opts.methods.map((m) => m.name), opts.reductions),
    seconds: (performance.now() - t0) / 1000,
  };
}
