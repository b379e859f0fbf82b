// The CLI's progress on stderr: one line with stage, percent and ETA. On a terminal it is redrawn
// in place (\r, at most 10 times a second); otherwise (CI logs, pipes) a plain line is written
// when a stage starts and then at most every few seconds. stdout is left to the result.
// It also times each stage, for the --json result.
import type { Progress } from '../io/progress';

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressLineOptions {
  /** clock in ms (tests pass a fake one). */
  now?: () => number;
  /** minimum ms between redraws on a terminal. */
  ttyEveryMs?: number;
  /** minimum ms between plain lines elsewhere. */
  plainEveryMs?: number;
}

export class ProgressLine {
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly everyMs: number;
  private current: { name: string; start: number } | null = null;
  private lastDraw = -Infinity;
  private drawn = false; // a TTY line is on screen
  private last = ''; // the line on screen, redrawn after a note
  private readonly times = new Map<string, number>();

  constructor(private readonly stream: ProgressStream, opts: ProgressLineOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.tty = Boolean(stream.isTTY);
    this.everyMs = this.tty ? (opts.ttyEveryMs ?? 100) : (opts.plainEveryMs ?? 5000);
  }

  /** Starts a stage (ends the previous one); its first line is drawn at once. */
  stage(name: string): void {
    this.endStage();
    this.current = { name, start: this.now() };
    this.lastDraw = -Infinity;
    this.draw(`${name}...`);
  }

  /** A progress event of the current stage. */
  update(p: Progress): void {
    if (!this.current) return;
    const t = this.now();
    const final = p.total > 0 && p.done >= p.total;
    if (!final && t - this.lastDraw < this.everyMs) return;
    if (final && !this.tty && t - this.lastDraw < this.everyMs) return; // the next stage's line follows soon
    this.draw(this.describe(p, t));
  }

  /** A message line of its own (placement, notes): the progress line is cleared first and redrawn after. */
  note(text: string): void {
    if (this.tty && this.drawn) this.stream.write(`\r\x1b[K${text}\n\r${this.last}\x1b[K`);
    else this.stream.write(`${text}\n`);
  }

  /** Ends the current stage and clears the line; returns seconds per stage. */
  finish(): Record<string, number> {
    this.endStage();
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    return this.seconds();
  }

  /** Seconds per finished stage (a repeated stage adds up). */
  seconds(): Record<string, number> {
    return Object.fromEntries([...this.times].map(([k, ms]) => [k, Math.round(ms) / 1000]));
  }

  private endStage(): void {
    if (!this.current) return;
    const { name, start } = this.current;
    this.times.set(name, (this.times.get(name) ?? 0) + this.now() - start);
    this.current = null;
  }

  private describe(p: Progress, t: number): string {
    const { name, start } = this.current!;
    const frac = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
    const elapsed = t - start;
    const eta = frac > 0.01 && frac < 1 ? ` ETA ${duration((elapsed * (1 - frac)) / frac)}` : '';
    const what = p.unit === 'bytes' ? `${mib(p.done)}/${mib(p.total)} MiB` : `${p.done}/${p.total} ${p.unit}`;
    const note = p.message ? `  ${p.message.length > 48 ? `${p.message.slice(0, 45)}...` : p.message}` : '';
    return `${name} ${p.phase === name ? '' : `(${p.phase}) `}${(frac * 100).toFixed(0)}% ${what}${eta}${note}`;
  }

  private draw(line: string): void {
    this.lastDraw = this.now();
    this.last = line;
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0);
}

/** "42s", "3m05s", "1h02m". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
