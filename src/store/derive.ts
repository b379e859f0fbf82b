// Pure helpers the store and UI share: transfer rates, Pareto fronts, upload text extraction.
// (The best sweep point is the engine's: engine/target.ts bestCandidate.)
import type { SweepPoint } from '../engine/types';

export interface Rate {
  bytesPerSecond: number;
  /** seconds left, null until the rate is known. */
  etaSeconds: number | null;
}

export function transferRate(done: number, total: number, startedAt: number, now: number): Rate {
  const seconds = (now - startedAt) / 1000;
  if (seconds <= 0 || done <= 0) return { bytesPerSecond: 0, etaSeconds: null };
  const bytesPerSecond = done / seconds;
  return { bytesPerSecond, etaSeconds: Math.max(0, (total - done) / bytesPerSecond) };
}

/** Points no other point beats on both params (fewer) and bits per byte (lower), by params. */
export function paretoFront(points: SweepPoint[]): SweepPoint[] {
  const sorted = [...points].sort((a, b) => a.params - b.params || a.bits_per_byte - b.bits_per_byte);
  const front: SweepPoint[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.bits_per_byte < best) {
      front.push(p);
      best = p.bits_per_byte;
    }
  }
  return front;
}

export class UploadTextError extends Error {
  constructor(readonly file: string, problem: string, readonly fix: string) {
    super(`${file}: ${problem}`);
    this.name = 'UploadTextError';
  }
}

/** Plain text from a .txt/.md file, or the "text" (else first string) field of each .jsonl line. */
export function textFromUpload(name: string, content: string): string {
  if (/\.jsonl$/i.test(name)) {
    const parts: string[] = [];
    content.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new UploadTextError(name, `line ${i + 1} is not valid JSON`, 'Fix that line, or save the text as .txt.');
      }
      if (typeof row === 'string') parts.push(row);
      else if (row && typeof row === 'object') {
        const obj = row as Record<string, unknown>;
        const text = typeof obj.text === 'string' ? obj.text : Object.values(obj).find((v) => typeof v === 'string');
        if (typeof text === 'string') parts.push(text);
      }
    });
    if (!parts.length) throw new UploadTextError(name, 'no line has a string field', 'Give each line a "text" field.');
    return parts.join('\n\n');
  }
  if (!/\.(txt|md|markdown|text)$/i.test(name)) {
    throw new UploadTextError(name, 'is not a .txt, .md or .jsonl file', 'Choose plain text (.txt or .md) or JSON lines (.jsonl).');
  }
  if (!content.trim()) throw new UploadTextError(name, 'is empty', 'Choose a file with some text in it.');
  return content;
}
