// The calibration text tokenized on a worker thread while the main thread loads the model: the
// tokenizer is single-threaded JS (7.2 s for wikitext2's 1.29 MB on the H200 machine's CPU, beside
// a 21 s load of an 8B model). The worker runs this same bundle: main.ts calls runTokenizeTask()
// first, which does the work and returns true inside such a worker.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { TextTokenizer } from '../tokenizer/text-tokenizer';

const TASK = 'compact-studio:tokenize';

export interface TokenizedAside {
  ids: Uint32Array;
  tokenizeMs: number;
}

/**
 * Starts tokenizing `text` with the checked tokenizer files on a worker thread. Resolves null if
 * the worker cannot run or fails: the caller then tokenizes on its own thread, where a bad file
 * gets its usual error.
 */
export function tokenizeAside(tokenizer: { tokenizerJson: unknown; tokenizerConfig: unknown }, text: string): Promise<TokenizedAside | null> {
  return new Promise((resolve) => {
    try {
      const worker = new Worker(new URL(import.meta.url), { workerData: { task: TASK, ...tokenizer, text } });
      worker.once('message', (m: TokenizedAside) => resolve(m));
      worker.once('error', () => resolve(null));
      worker.once('exit', () => resolve(null)); // no-op after a message
    } catch {
      resolve(null);
    }
  });
}

/** Inside a worker started by tokenizeAside: tokenizes, posts the ids back and returns true. */
export function runTokenizeTask(): boolean {
  if (isMainThread || workerData?.task !== TASK) return false;
  const t0 = performance.now();
  const ids = Uint32Array.from(TextTokenizer.fromJson(workerData.tokenizerJson, workerData.tokenizerConfig).encode(workerData.text));
  const result: TokenizedAside = { ids, tokenizeMs: performance.now() - t0 };
  parentPort!.postMessage(result, [ids.buffer]);
  return true;
}
