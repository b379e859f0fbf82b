// The calibration text tokenized on worker threads while the main thread loads the model: the
// tokenizer is single-threaded JS (6.4-7.2 s for wikitext2's 1.29 MB on the H200 machine's CPU,
// beside the load of an 8B model). Where the tokenizer encodes in line chunks, up to four workers
// take a contiguous share of the chunks each (TextTokenizer.encodePart: the parts' ids in order are
// encode()'s exactly); byte-level BPE encodes whole, on one. The workers run this same bundle:
// main.ts calls runTokenizeTask() first, which does the work and returns true inside a worker.
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { TextTokenizer } from '../tokenizer/text-tokenizer';

const TASK = 'compact-studio:tokenize';
/** At most this many workers: the main thread keeps a core for the load. */
const MAX_WORKERS = 4;

export interface TokenizedAside {
  ids: Uint32Array;
  /** wall ms from the start of the workers to the last part */
  tokenizeMs: number;
  workers: number;
}

interface PartResult {
  ids: Uint32Array;
}

/** One worker's part of the text's ids; null if it cannot run or fails. */
function encodePartOnWorker(data: Record<string, unknown>): Promise<Uint32Array | null> {
  return new Promise((resolve) => {
    try {
      const worker = new Worker(new URL(import.meta.url), { workerData: { task: TASK, ...data } });
      worker.once('message', (m: PartResult) => resolve(m.ids));
      worker.once('error', () => resolve(null));
      worker.once('exit', () => resolve(null)); // no-op after a message
    } catch {
      resolve(null);
    }
  });
}

/**
 * Starts tokenizing `text` with the checked tokenizer files on worker threads. Resolves null if a
 * worker cannot run or fails: the caller then tokenizes on its own thread, where a bad file gets
 * its usual error.
 */
export async function tokenizeAside(tokenizer: { tokenizerJson: unknown; tokenizerConfig: unknown }, text: string): Promise<TokenizedAside | null> {
  const t0 = performance.now();
  const asked = Number(process.env.COMPACT_TOKENIZE_WORKERS); // tests ask for several on small machines
  const workers = asked >= 1 ? Math.floor(asked) : Math.max(1, Math.min(MAX_WORKERS, availableParallelism() - 1));
  const parts = await Promise.all(Array.from({ length: workers }, (_, part) => encodePartOnWorker({ ...tokenizer, text, part, parts: workers })));
  if (parts.some((p) => p === null)) return null;
  const ids = new Uint32Array(parts.reduce((n, p) => n + p!.length, 0));
  let at = 0;
  for (const p of parts) (ids.set(p!, at), (at += p!.length));
  return { ids, tokenizeMs: performance.now() - t0, workers };
}

/** Inside a worker started by tokenizeAside: encodes its part, posts the ids back and returns true. */
export function runTokenizeTask(): boolean {
  if (isMainThread || workerData?.task !== TASK) return false;
  const { tokenizerJson, tokenizerConfig, text, part, parts } = workerData;
  const ids = Uint32Array.from(TextTokenizer.fromJson(tokenizerJson, tokenizerConfig).encodePart(text, part, parts));
  const result: PartResult = { ids };
  parentPort!.postMessage(result, [ids.buffer]);
  return true;
}
