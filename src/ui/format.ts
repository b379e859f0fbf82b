// Number formatting for the UI (params, bytes, rates, durations).

export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return n.toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  const a = Math.abs(n);
  if (a >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (a >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds == null || !Number.isFinite(seconds)) return '…';
  if (seconds < 1) return '<1 s';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function percent(part: number, whole: number, digits = 1): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(digits)}%` : '–';
}

/** A compute-mode note without its leading "exact:" / "fast:" (a badge shows the mode). */
export function modeDetail(mode: string, note: string): string {
  return note.startsWith(`${mode}:`) ? note.slice(mode.length + 1).trim() : note;
}

/** What PlanSummary.gpuBytes is, in words: resident models keep it on the GPU; streamed ones do not hold it all at once. */
export function weightsLabel(mode: 'resident' | 'streamed' | undefined): string {
  return mode === 'streamed' ? 'Weights (stored dtype)' : 'Weights on the GPU';
}
