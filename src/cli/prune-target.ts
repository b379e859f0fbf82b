// `prune --target R | --target-params N | --target-size SIZE`: the flags, the selection text and
// the report around the engine's automatic allocation (engine/target.ts, the studio's sweep).
import { readFile } from 'node:fs/promises';
import { splitSelectionTail, type TargetBudget } from '../engine/target';
import type { CountSpan, Criterion, SweepPoint, SweepResult, VocabOrder } from '../engine/types';
import { ByteSizeError, parseByteSize } from '../engine/byte-size';
import { utf8Prefix } from '../eval/windows';
import { UsageError, optionalNumber, type Flags } from './args';

export const TARGET_FLAGS = {
  target: { type: 'string' }, 'target-params': { type: 'string' }, 'target-size': { type: 'string' },
  'select-text': { type: 'string' }, 'select-bytes': { type: 'string' }, 'select-seq': { type: 'string' },
} as const;

export const TARGET_USAGE = `  prune  --model DIR --calib FILE (--target R | --target-params N | --target-size SIZE) --out DIR
         [--select-text FILE] [--select-bytes 65536] [--select-seq 256] [--vocab-order ...] [--json]
         automatic allocation: R = share of the parameters to remove (0.3), or at most N parameters,
         or at most SIZE of exported weights (700MB); every (vocabulary, FFN) split x vocabulary
         ranking (id, frequency over the whole text and over the calibration windows, unless
         --vocab-order / --vocab-counts pin one) x FFN criterion (common-act2 and output-act2 unless
         --criterion) is measured on the selection text, the lowest bits/byte is exported.
         Selection text: --select-text, else the last --select-bytes of --calib, which calibration then leaves out.`;

/** A target as the user gave it, before the model is known. */
export type TargetSpec = { kind: 'reduction'; r: number } | { kind: 'params'; n: number } | { kind: 'bytes'; bytes: number; text: string };

const MANUAL = ['vocab-keep', 'vocab-ratio', 'ffn-keep', 'ffn-ratio'];

/** The target flag, or null for a manual (V', I') prune; refuses mixtures. */
export function parseTarget(f: Flags): TargetSpec | null {
  const given = ['target', 'target-params', 'target-size'].filter((k) => f[k] !== undefined);
  if (given.length === 0) {
    for (const k of ['select-text', 'select-bytes', 'select-seq']) if (f[k] !== undefined) throw new UsageError(`--${k} only applies with --target, --target-params or --target-size`);
    return null;
  }
  if (given.length > 1) throw new UsageError(`give one of --target, --target-params, --target-size (got ${given.map((k) => `--${k}`).join(' and ')})`);
  const manual = MANUAL.filter((k) => f[k] !== undefined);
  if (manual.length) throw new UsageError(`--${given[0]} chooses V' and I' itself: drop ${manual.map((k) => `--${k}`).join(', ')}`);
  if (f.target !== undefined) return { kind: 'reduction', r: optionalNumber(f, 'target', 0, (n) => n > 0 && n < 1, 'the share of parameters to remove, in (0, 1), e.g. 0.3') };
  if (f['target-params'] !== undefined) return { kind: 'params', n: optionalNumber(f, 'target-params', 0, (n) => Number.isInteger(n) && n > 0, 'a whole number of parameters > 0') };
  const text = String(f['target-size']);
  try {
    return { kind: 'bytes', bytes: parseByteSize(text), text };
  } catch (e) {
    if (e instanceof ByteSizeError) throw new UsageError(`--target-size: ${e.message}`);
    throw e;
  }
}

/** The budget on this model (dense parameters known). */
export function targetBudget(t: TargetSpec, denseParams: number): TargetBudget {
  if (t.kind === 'reduction') return { kind: 'params', max: Math.floor(denseParams * (1 - t.r)) };
  if (t.kind === 'params') return { kind: 'params', max: t.n };
  return { kind: 'bytes', max: t.bytes };
}

export function targetOrders(f: Flags): VocabOrder[] | undefined {
  return f['vocab-order'] === undefined ? undefined : [f['vocab-order'] as VocabOrder];
}

/** The FFN criteria a target search tries unless --criterion names one (BENCHMARKS.md: the best measured). */
export const DEFAULT_TARGET_CRITERIA: Criterion[] = ['common-act2', 'output-act2'];

/** What frequency order counts: both spans are candidates unless --vocab-counts names one. */
export function targetCountSpans(f: Flags): CountSpan[] | undefined {
  return f['vocab-counts'] === undefined ? undefined : [f['vocab-counts'] as CountSpan];
}

export function targetCriteria(f: Flags): Criterion[] {
  return f.criterion === undefined ? DEFAULT_TARGET_CRITERIA : [f.criterion as Criterion];
}

export interface SelectionText {
  text: string;
  source: string;
}

/**
 * The texts of a target search: --select-text (its first --select-bytes) beside the whole
 * calibration text, else the last --select-bytes of --calib set aside (calibration gets the rest).
 */
export async function selectionText(f: Flags, calibText: string): Promise<SelectionText & { calibration: string }> {
  const maxBytes = optionalNumber(f, 'select-bytes', 65536, (n) => Number.isInteger(n) && n >= 1000, 'a whole number of bytes >= 1000');
  const path = f['select-text'];
  if (typeof path === 'string') {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --select-text ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Check the path.`);
    }
    if (text.trim() === '') throw new UsageError(`--select-text ${path} is empty: give a held-out text of a few thousand words`);
    return { calibration: calibText, text: utf8Prefix(text, maxBytes), source: `${path} (first ${maxBytes} bytes)` };
  }
  try {
    const { calibration, selection } = splitSelectionTail(calibText, maxBytes);
    return { calibration, text: selection, source: `the last ${new TextEncoder().encode(selection).length} bytes of --calib (set aside: calibration used the rest)` };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function selectSeq(f: Flags): number {
  return optionalNumber(f, 'select-seq', 256, (n) => Number.isInteger(n) && n >= 2, 'a whole number >= 2');
}

/** One line per candidate, the chosen one marked. */
export function candidateLines(r: SweepResult): string[] {
  const lines = [`candidates (bits/byte on the selection text, ${r.mode} mode):`];
  const sorted = [...r.points].sort((a, b) => a.bits_per_byte - b.bits_per_byte);
  for (const p of sorted) lines.push(`  ${p === r.best ? '*' : ' '} ${candidateLabel(p)}  ${p.bits_per_byte.toFixed(4)}`);
  return lines;
}

export function candidateLabel(p: SweepPoint): string {
  const ranking = p.order === 'frequency' ? `frequency/${p.countSpan ?? 'text'}` : p.order;
  return `${ranking.padEnd(17)} ${p.criterion.padEnd(11)} s=${p.share.toFixed(3)}  V'=${String(p.vocabKeep).padStart(6)} I'=${String(p.ffnKeep).padStart(5)}  params ${p.params}`;
}

/** The candidates as the --json result carries them. */
export function candidateJson(p: SweepPoint) {
  return {
    order: p.order, count_span: p.countSpan ?? null, share: p.share, vocab_keep: p.vocabKeep, ffn_keep: p.ffnKeep, criterion: p.criterion, closure: p.closure,
    params: p.params, file_bytes: p.fileBytes, select_bits_per_byte: p.bits_per_byte, select_ppl: p.ppl,
  };
}
