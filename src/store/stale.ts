// Derived notes: what changed since the calibration, the preview and the sweep were made, in
// words. Pure functions of the state, so a note can never disagree with what it describes.
import type { CalibrationOptions, CountSpan, Criterion, VocabOrder } from '../engine/types';
import type { SelectionOptions } from '../worker/protocol';
import type { Settings } from './settings';
import type { CalibrationState, StudioData } from './types';

export const ORDER_LABELS: Record<VocabOrder, string> = { predicted: "the model's predictions", frequency: 'frequency in the text', id: 'token id (paper)' };
export const CRITERION_LABELS: Record<Criterion, string> = { 'common-act2': 'common act² (COMPACT)', act2: 'act² (all tokens)', magnitude: 'weight magnitude', 'output-act2': 'output-aware act² (× ‖W_down col‖²)' };

export const COUNT_SPAN_LABELS: Record<CountSpan, string> = { text: 'the whole text', windows: 'the calibration windows' };

/** A sweep point's vocabulary ranking in words. */
export function rankingLabel(p: { order: VocabOrder; countSpan?: CountSpan }): string {
  return p.order === 'frequency' ? `${ORDER_LABELS.frequency} (${COUNT_SPAN_LABELS[p.countSpan ?? 'text']})` : ORDER_LABELS[p.order];
}

export function selectionOptions(c: CalibrationOptions): SelectionOptions {
  return { vocabOrder: c.vocabOrder, criterion: c.criterion, closure: c.closure, countSpan: c.countSpan ?? 'text' };
}

export function sameOptions(a: SelectionOptions, b: SelectionOptions): boolean {
  return a.vocabOrder === b.vocabOrder && a.criterion === b.criterion && a.closure === b.closure && (a.countSpan ?? 'text') === (b.countSpan ?? 'text');
}

/** "FFN criterion common act² → act²", one entry per option that differs. */
export function optionChanges(from: SelectionOptions, to: SelectionOptions): string[] {
  const out: string[] = [];
  if (from.vocabOrder !== to.vocabOrder) out.push(`vocabulary order ${ORDER_LABELS[from.vocabOrder]} → ${ORDER_LABELS[to.vocabOrder]}`);
  if (from.criterion !== to.criterion) out.push(`FFN criterion ${CRITERION_LABELS[from.criterion]} → ${CRITERION_LABELS[to.criterion]}`);
  if (from.closure !== to.closure) out.push(`merge closure ${from.closure ? 'on' : 'off'} → ${to.closure ? 'on' : 'off'}`);
  const [a, b] = [from.countSpan ?? 'text', to.countSpan ?? 'text'];
  if (a !== b) out.push(`frequency counted over ${COUNT_SPAN_LABELS[a]} → ${COUNT_SPAN_LABELS[b]}`);
  return out;
}

/** Calibration settings changed since the engine's calibration ran: they need a new pass. */
export function pendingCalibration(cal: CalibrationState, settings: Settings): string[] {
  const ran = cal.ranWith;
  if (!ran) return [];
  const now = settings.calibration;
  const out: string[] = [];
  if (ran.samples !== now.samples) out.push(`samples ${ran.samples} → ${now.samples}`);
  if (ran.sampleTokens !== now.sampleTokens) out.push(`tokens per sample ${ran.sampleTokens} → ${now.sampleTokens}`);
  if (ran.textKey !== cal.textKey) out.push(`text ${ran.textName} → ${cal.textName}`);
  return out;
}

/** Options chosen but not yet in use by the engine (being applied, or the apply failed). */
export function unappliedOptions(cal: CalibrationState, settings: Settings): string[] {
  return cal.engineOptions ? optionChanges(cal.engineOptions, selectionOptions(settings.calibration)) : [];
}

/** Why the shown preview no longer matches the sliders and settings (empty: it matches). */
export function previewStaleReasons(s: StudioData): string[] {
  const p = s.preview;
  if (!p.forRequest || p.status === 'running') return [];
  const out: string[] = [];
  const { vocabKeep, ffnKeep } = s.settings.sliders;
  const moved: string[] = [];
  if (p.forRequest.vocabKeep !== vocabKeep) moved.push(`vocabulary ${p.forRequest.vocabKeep} → ${vocabKeep}`);
  if (p.forRequest.ffnKeep !== ffnKeep) moved.push(`FFN ${p.forRequest.ffnKeep} → ${ffnKeep}`);
  if (moved.length) out.push(`the sliders moved (${moved.join(', ')})`);
  if (p.forCalibration !== s.calibration.run) out.push('a new calibration ran since');
  else if (p.forOptions && s.calibration.engineOptions) out.push(...optionChanges(p.forOptions, s.calibration.engineOptions));
  if (p.evalOptions && (p.evalOptions.tokens !== s.settings.eval.tokens || p.evalOptions.seq !== s.settings.eval.seq)) {
    out.push(`held-out tokens or window changed (${p.evalOptions.tokens} in ${p.evalOptions.seq} → ${s.settings.eval.tokens} in ${s.settings.eval.seq})`);
  }
  if (p.prompt !== s.settings.prompt || p.maxNewTokens !== s.settings.maxNewTokens) out.push('the prompt or the number of new tokens changed');
  const pending = pendingCalibration(s.calibration, s.settings);
  if (pending.length) out.push(`calibration settings changed (${pending.join(', ')}): calibrate again to use them`);
  return out;
}

/** Why the shown sweep no longer matches the calibration and options (empty: it matches). */
export function sweepStaleReasons(s: StudioData): string[] {
  const w = s.sweep;
  if (w.status !== 'done') return [];
  if (w.forCalibration !== s.calibration.run) return ['a new calibration ran since'];
  // the sweep tries every vocabulary ranking, so only the criterion and closure make it stale
  const now = s.calibration.engineOptions;
  return w.forOptions && now ? optionChanges({ ...w.forOptions, vocabOrder: now.vocabOrder, countSpan: now.countSpan }, now) : [];
}
