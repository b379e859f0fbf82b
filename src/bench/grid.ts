// The quality benchmark's grid (pure): methods, and the (V', I') of every
// (method, reduction r, split s) cell under the anchors' protocol
// (bench/reference/README.md): removed R = r x dense params; split s takes
// ceil(s R / rowCost) vocabulary rows, the rest as whole FFN channels (ceil), so every
// cell removes at least R. A cell that needs more rows than are removable (V minus the
// always-kept special + byte tokens) or all FFN channels is n/a, as in the anchors.
import type { CountSpan, Criterion, VocabOrder } from '../engine/types';

/** The anchors' five split shares (vocabulary share of the removed parameters). */
export const ANCHOR_SHARES = [0, 0.25, 0.5, 0.75, 1];
/** The automatic allocation's finer shares (budgetSplits' default). */
export const AUTO_SHARES = [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1];

export interface WidthMethod {
  kind: 'width';
  name: string;
  what: string;
  criterion: Criterion;
  order: VocabOrder;
  closure: boolean;
  shares: number[];
}
export interface DepthMethod {
  kind: 'depth';
  name: 'depth';
  what: string;
}
/** Best over AUTO_SHARES x orders with closure on and common-act2 (our defaults). */
export interface AutoMethod {
  kind: 'auto';
  name: 'auto';
  what: string;
  orders: VocabOrder[];
}
/**
 * The honest automatic allocation (prune --target): the engine's search (engine/target.ts) over
 * the split shares x orders x criteria, chosen on the SELECTION text (TinyStories after the
 * evaluation span), then the chosen model evaluated once on the evaluation span.
 */
export interface TargetMethod {
  kind: 'target';
  name: string;
  what: string;
  criteria: Criterion[];
  countSpans: CountSpan[];
}
export type Method = WidthMethod | DepthMethod | AutoMethod | TargetMethod;

const width = (name: string, what: string, criterion: Criterion, order: VocabOrder, closure: boolean, shares = ANCHOR_SHARES): WidthMethod => ({
  kind: 'width', name, what, criterion, order, closure, shares,
});

export const METHODS: Method[] = [
  width('compact', 'FFN common-act2 + vocabulary in id order, no merge closure (the paper)', 'common-act2', 'id', false),
  width('compact-freq', 'FFN common-act2 + vocabulary in calibration-frequency order, no closure', 'common-act2', 'frequency', false),
  width('act2', 'FFN act2 (all positions) + vocabulary in id order, no closure', 'act2', 'id', false),
  width('magnitude', 'FFN weight magnitude ||W_down[:,j]|| (||W_gate[j]|| + ||W_up[j]||) + vocabulary in id order, no closure', 'magnitude', 'id', false),
  width('vocab-only', 'vocabulary in id order only (split 1), no closure', 'act2', 'id', false, [1]),
  width('ffn-only', 'FFN act2 only, full vocabulary (split 0)', 'act2', 'id', false, [0]),
  { kind: 'depth', name: 'depth', what: 'ShortGPT: drop the decoder layers of lowest block influence on the calibration tokens, full vocabulary' },
  width('compact-closed', 'compact with merge closure on (id order)', 'common-act2', 'id', true),
  width('compact-freq-closed', 'compact-freq with merge closure on (frequency order): our default settings', 'common-act2', 'frequency', true),
  {
    kind: 'auto', name: 'auto', orders: ['id', 'frequency'],
    what: "OPTIMISTIC (chosen on the evaluation text itself): best bits/byte over 9 split shares x {id, frequency} order, common-act2, closure on, frequency counted in the calibration windows",
  },
  {
    kind: 'target', name: 'target', criteria: ['common-act2'], countSpans: ['text', 'windows'],
    what: "the engine's search with COMPACT's criterion: 9 split shares x 3 vocabulary rankings (id; frequency over the whole calibration text; over the calibration windows), common-act2, closure on; chosen on the selection text (not the evaluation text)",
  },
  {
    kind: 'target', name: 'target-new', criteria: ['common-act2', 'output-act2'], countSpans: ['text', 'windows'],
    what: 'prune --target with its defaults: target plus the output-aware FFN criterion (common-act2 x ||W_down[:, j]||^2) as a further axis: 9 shares x 3 rankings x 2 criteria, chosen on the selection text',
  },
];

export class UnknownMethodError extends Error {
  constructor(name: string) {
    super(`unknown method '${name}': choose from ${METHODS.map((m) => m.name).join(', ')}`);
    this.name = 'UnknownMethodError';
  }
}

export function methodsByName(names: string[]): Method[] {
  return names.map((n) => METHODS.find((m) => m.name === n) ?? (() => { throw new UnknownMethodError(n); })());
}

export interface ModelCosts {
  dense: number; // total params
  vocab: number; // V
  ffn: number; // I
  rowCost: number; // params of one vocabulary row (embed + untied lm_head)
  channelCost: number; // params of one FFN channel in all layers
  removableRows: number; // V minus always-kept tokens
}

export type SplitCell =
  | { ok: true; share: number; vocabKeep: number; ffnKeep: number; rowsRemoved: number; channelsRemoved: number }
  | { ok: false; share: number; reason: string };

/** The anchors' cell for reduction r (0..1) and share s. */
export function splitCell(c: ModelCosts, r: number, share: number): SplitCell {
  const remove = r * c.dense;
  const rows = Math.ceil((share * remove) / c.rowCost - 1e-9);
  if (rows > c.removableRows) return { ok: false, share, reason: `needs ${rows} vocab rows, only ${c.removableRows} removable` };
  const channels = Math.max(0, Math.ceil((remove - rows * c.rowCost) / c.channelCost - 1e-9));
  if (channels >= c.ffn) return { ok: false, share, reason: `needs ${channels} FFN channels per layer, only ${c.ffn - 1} removable` };
  return { ok: true, share, vocabKeep: c.vocab - rows, ffnKeep: c.ffn - channels, rowsRemoved: rows, channelsRemoved: channels };
}

/** Parses "10,20,30" (percent) into [0.1, 0.2, 0.3]. */
export function parseReductions(text: string): number[] {
  const out = text.split(',').map((p) => Number(p.trim()));
  for (const p of out) if (!Number.isFinite(p) || p <= 0 || p >= 100) throw new RangeError(`--reductions takes percentages in (0, 100), comma separated (got '${text}')`);
  return out.map((p) => p / 100);
}
