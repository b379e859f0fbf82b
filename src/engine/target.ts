// The automatic allocation behind the studio's "Find best split" and the CLI's `prune --target`:
// for a budget (parameters or exported weight bytes), the candidates are the budget splits
// (shares of the removal between vocabulary rows and FFN channels, params.ts) x the vocabulary
// orders x the FFN criteria asked for (default: the calibration's), under its merge closure. Each candidate is evaluated
// on a SELECTION text and the lowest bits/byte within the budget wins (ties: fewer params).
// The selection text only chooses among candidates: every statistic (token counts, FFN scores)
// comes from the calibration, and the text the result is reported on must be a third one.
import type { EvalResult } from '../eval/windows';
import { SPLIT_SHARES } from '../prune/params';
import type {
  ComputeMode, CountSpan, Criterion, EvalOptions, SelectionOptions, PlanSummary, ProgressFn, PruneRequest, SweepPoint, SweepResult, VocabOrder,
} from './types';

export type { SelectionOptions } from './types';

/** What a search must stay within: total parameters, or the exported weight bytes (stored dtypes). */
export type TargetBudget = { kind: 'params'; max: number } | { kind: 'bytes'; max: number };

export interface TargetSearch {
  budget: TargetBudget;
  /** the text candidates are ranked on; never the calibration windows, nor the final evaluation text. */
  selectText: string;
  /** how the selection text is evaluated (first N tokens, windows of S). */
  eval: EvalOptions;
  /** vocabulary orders to try (default DEFAULT_ORDERS: predicted, frequency, id). */
  orders?: VocabOrder[];
  /** what frequency order counts, each a candidate (default: both, the whole text first). */
  countSpans?: CountSpan[];
  /** vocabulary shares of the removal to try (default SPLIT_SHARES: 0, 1/8, ..., 1). */
  shares?: number[];
  /** FFN criteria to try (default: the calibration's). */
  criteria?: Criterion[];
}

export const DEFAULT_ORDERS: VocabOrder[] = ['predicted', 'frequency', 'id'];
export const DEFAULT_COUNT_SPANS: CountSpan[] = ['text', 'windows'];

/** The session's side of a search (EngineSession implements it). */
export interface TargetHost {
  readonly vocabSize: number;
  selectionOptions(): SelectionOptions;
  setOptions(opts: SelectionOptions): void;
  /** (V', I') splits within the budget for these shares (params.ts splitsUnder). */
  splits(budget: TargetBudget, shares: number[]): { vocabKeep: number; ffnKeep: number; share: number }[];
  planSummary(req: PruneRequest): PlanSummary;
  evaluate(req: PruneRequest, text: string, opts: EvalOptions, onProgress: ProgressFn | undefined, precision: ComputeMode): Promise<EvalResult>;
  /** the precision the calibration ran in (the search evaluates in it). */
  calibrationMode(): ComputeMode;
}

export class SelectionTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectionTextError';
  }
}

/** 'frequency (whole text)', 'frequency (calibration windows)' or 'id'. */
export function rankingLabel(p: { order: VocabOrder; countSpan?: CountSpan }): string {
  return p.order === 'frequency' ? `frequency (${(p.countSpan ?? 'text') === 'text' ? 'whole text' : 'calibration windows'})` : p.order === 'predicted' ? 'predicted mass' : p.order;
}

/** The rule: lowest bits/byte among finite candidates within the budget; ties: fewer params. */
export function bestCandidate(points: SweepPoint[], withinBudget: (p: SweepPoint) => boolean = () => true): SweepPoint | null {
  let best: SweepPoint | null = null;
  for (const p of points) {
    if (!withinBudget(p) || !Number.isFinite(p.bits_per_byte)) continue;
    if (!best || p.bits_per_byte < best.bits_per_byte || (p.bits_per_byte === best.bits_per_byte && p.params < best.params)) best = p;
  }
  return best;
}

const withinBudget = (budget: TargetBudget) => (p: SweepPoint) => (budget.kind === 'params' ? p.params : p.fileBytes) <= budget.max;

/**
 * Evaluates every candidate on the selection text and returns them with the best one. The
 * host's options are restored afterwards (the caller applies the winner's order if it wants it).
 * Progress: one 'sweep' step per candidate, repeated between evaluation batches (a caller stops
 * the search by throwing from onProgress).
 */
export async function searchTarget(host: TargetHost, search: TargetSearch, onProgress?: ProgressFn): Promise<SweepResult> {
  if (search.selectText.trim() === '') throw new SelectionTextError('the selection text is empty: give a held-out text (not the calibration windows, not the evaluation text)');
  const before = host.selectionOptions();
  const orders = search.orders ?? DEFAULT_ORDERS;
  const criteria = search.criteria ?? [before.criterion];
  const spans = search.countSpans ?? DEFAULT_COUNT_SPANS;
  const pairs = host.splits(search.budget, search.shares ?? SPLIT_SHARES);
  const mode = host.calibrationMode();
  // vocabulary rankings: frequency once per count span, id once (it counts nothing)
  type Ranking = { order: VocabOrder; countSpan?: CountSpan };
  const rankings = orders.flatMap((order): Ranking[] => (order === 'frequency' ? spans.map((countSpan) => ({ order, countSpan })) : [{ order }]));
  // With the whole vocabulary kept, the ranking changes nothing: such a pair is evaluated once per criterion.
  const jobs = criteria.flatMap((criterion) =>
    rankings.flatMap((rk, k) => pairs.filter((p) => k === 0 || p.vocabKeep < host.vocabSize).map((p) => ({ ...p, ...rk, criterion }))),
  );
  const points: SweepPoint[] = [];
  try {
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i];
      host.setOptions({ ...before, vocabOrder: j.order, countSpan: j.countSpan ?? before.countSpan, criterion: j.criterion });
      const step = { phase: 'sweep', done: i, total: jobs.length, unit: 'steps', message: `${rankingLabel(j)} order, ${j.criterion}, V'=${j.vocabKeep} I'=${j.ffnKeep}` } as const;
      onProgress?.(step);
      const req = { vocabKeep: j.vocabKeep, ffnKeep: j.ffnKeep };
      const r = await host.evaluate(req, search.selectText, search.eval, onProgress && (() => onProgress(step)), mode);
      const plan = host.planSummary(req);
      points.push({
        vocabKeep: plan.vocabKeep, ffnKeep: j.ffnKeep, params: plan.params.total, fileBytes: plan.fileBytes, share: j.share,
        order: j.order, ...(j.countSpan ? { countSpan: j.countSpan } : {}), criterion: j.criterion, closure: before.closure, bits_per_byte: r.bits_per_byte, ppl: r.ppl,
      });
    }
  } finally {
    host.setOptions(before);
  }
  onProgress?.({ phase: 'sweep', done: jobs.length, total: jobs.length, unit: 'steps' });
  return { points, best: bestCandidate(points, withinBudget(search.budget)), mode };
}

/**
 * The default selection text: the last `maxBytes` UTF-8 bytes of the calibration text, from a
 * line start, set aside before calibrating, so no calibration statistic (FFN scores, token counts
 * over the whole text) has seen it. Returns the text to calibrate on and the selection text.
 */
export function splitSelectionTail(text: string, maxBytes: number): { calibration: string; selection: string } {
  const bytes = new TextEncoder().encode(text);
  let start = Math.max(0, bytes.length - maxBytes);
  while (start < bytes.length && start > 0 && bytes[start - 1] !== 0x0a) start++; // from the next line start
  const selection = new TextDecoder().decode(bytes.subarray(start));
  if (selection.trim().length < 1000 || start === 0) {
    throw new SelectionTextError(
      `the calibration text (${bytes.length} bytes) is too short to set aside its last ${maxBytes} bytes as the selection text and still calibrate on the rest: ` +
        'give a separate selection text (--select-text FILE) or a longer calibration text',
    );
  }
  return { calibration: new TextDecoder().decode(bytes.subarray(0, start)), selection };
}
