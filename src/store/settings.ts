// The user's settings: plain data, persisted in localStorage so they survive a reload or a lost device.
import type { CalibrationOptions, EvalOptions } from '../engine/types';
import { parseByteSize } from '../engine/byte-size';
import { CRITERIA } from '../engine/criteria';

export { BYTE_SIZE_EXAMPLES } from '../engine/byte-size';

export type ExportMode = 'folder' | 'zip';

export interface Settings {
  calibration: CalibrationOptions;
  /** Slider positions (V', I'), remembered for the model they were set on. */
  sliders: { vocabKeep: number | null; ffnKeep: number | null; forModel: string | null };
  /** Target size for "Find best split", as a fraction of the original parameter count. */
  targetFraction: number;
  /** Preview evaluation window settings (the CLI check uses the same). */
  eval: EvalOptions;
  prompt: string;
  maxNewTokens: number;
  exportMode: ExportMode;
  /** GPU memory budget as the user wrote it ("2GiB"); '' = the engine's default. Sent at open. */
  gpuMemory: string;
}

export const DEFAULT_SETTINGS: Settings = {
  calibration: { samples: 16, sampleTokens: 512, vocabOrder: 'predicted', criterion: 'common-act2', closure: true },
  sliders: { vocabKeep: null, ffnKeep: null, forModel: null },
  targetFraction: 0.7,
  eval: { tokens: 4096, seq: 256 },
  prompt: 'Once upon a time, there was a little dog named',
  maxNewTokens: 32,
  exportMode: 'folder',
  gpuMemory: '',
};

/** The budget in bytes for `open` (undefined: the engine's default); throws ByteSizeError. */
export function gpuBudgetBytes(text: string): number | undefined {
  return text.trim() === '' ? undefined : parseByteSize(text);
}

function validBudget(v: unknown): string {
  if (typeof v !== 'string') return '';
  try {
    gpuBudgetBytes(v);
    return v.trim();
  } catch {
    return '';
  }
}

function clampInt(v: unknown, lo: number, hi: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : fallback;
}

/** Accepts whatever was stored (older versions, hand edits) and returns valid settings. */
export function sanitizeSettings(raw: unknown): Settings {
  const d = DEFAULT_SETTINGS;
  const r = (raw && typeof raw === 'object' ? raw : {}) as Partial<Settings>;
  const c = (r.calibration ?? {}) as Partial<CalibrationOptions>;
  const s = (r.sliders ?? {}) as Partial<Settings['sliders']>;
  const e = (r.eval ?? {}) as Partial<EvalOptions>;
  return {
    calibration: {
      samples: clampInt(c.samples, 1, 1024, d.calibration.samples),
      sampleTokens: clampInt(c.sampleTokens, 16, 8192, d.calibration.sampleTokens),
      vocabOrder: c.vocabOrder === 'id' || c.vocabOrder === 'frequency' || c.vocabOrder === 'predicted' ? c.vocabOrder : d.calibration.vocabOrder,
      criterion: c.criterion !== undefined && CRITERIA.includes(c.criterion) ? c.criterion : d.calibration.criterion,
      closure: typeof c.closure === 'boolean' ? c.closure : d.calibration.closure,
      // absent = the engine's default ('text'); stored settings without it stay as they were
      ...(c.countSpan === 'windows' || c.countSpan === 'text' ? { countSpan: c.countSpan } : {}),
    },
    sliders: {
      vocabKeep: typeof s.vocabKeep === 'number' ? s.vocabKeep : null,
      ffnKeep: typeof s.ffnKeep === 'number' ? s.ffnKeep : null,
      forModel: typeof s.forModel === 'string' ? s.forModel : null,
    },
    targetFraction: typeof r.targetFraction === 'number' && r.targetFraction > 0 && r.targetFraction <= 1 ? r.targetFraction : d.targetFraction,
    eval: { tokens: clampInt(e.tokens, 32, 1 << 20, d.eval.tokens), seq: clampInt(e.seq, 8, 8192, d.eval.seq) },
    prompt: typeof r.prompt === 'string' ? r.prompt : d.prompt,
    maxNewTokens: clampInt(r.maxNewTokens, 1, 256, d.maxNewTokens),
    exportMode: r.exportMode === 'folder' || r.exportMode === 'zip' ? r.exportMode : d.exportMode,
    gpuMemory: validBudget(r.gpuMemory),
  };
}
