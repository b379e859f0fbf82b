// One progress bar: label, bar, counts; for byte transfers also MB/s and ETA.
import { transferRate } from '../store/derive';
import type { ProgressState } from '../store/studio-store';
import { formatBytes, formatCount, formatDuration, formatRate } from './format';

export function ProgressBar({ progress, label, testId }: { progress: ProgressState | null; label: string; testId?: string }) {
  if (!progress) return null;
  const { done, total, unit, message } = progress;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  let detail = `${formatCount(done)} / ${formatCount(total)} ${unit}`;
  if (unit === 'bytes') {
    const rate = transferRate(done, total, progress.startedAt, progress.at);
    detail = `${formatBytes(done)} / ${formatBytes(total)} · ${formatRate(rate.bytesPerSecond)} · ETA ${formatDuration(rate.etaSeconds)}`;
  }
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-head">
        <span>{label} · {progress.phase}{message ? ` · ${message}` : ''}</span>
        <span className="muted">{detail}</span>
      </div>
      <progress max={1} value={fraction} aria-label={`${label} progress`} />
    </div>
  );
}
