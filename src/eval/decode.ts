// Greedy decoding with a KV cache and the latency numbers of the preview. Both need the whole
// model on the GPU (one token at a time would re-stream every layer per token); a streamed model
// reports its prefill throughput only (weights uploaded once per pass, included in the time).
import type { Gpu } from '../gpu/context';
import type { ProgressFn } from '../io/progress';
import { argmaxRows } from '../gpu/ops';
import { GpuTimer } from '../gpu/timer';
import { createKvCache, createScratch, destroyKvCache, destroyScratch, recordForward, recordLogits, residentWeights, type LoadedModel } from '../model/forward';
import { createPassBuffers, destroyPassBuffers, runDecoder } from '../model/pass';

export interface GreedyOptions {
  /** stop after emitting an id for which this is true (EOS) */
  stopAt?: (id: number) => boolean;
  /** called with the ids so far after every new token (streams the continuation; may throw to cancel) */
  onToken?: (ids: number[]) => void;
}

/**
 * One forward over the prompt fills the cache, then one single-token forward per new token;
 * each step's argmax stays on the GPU as the next step's input. Returns the new ids and each
 * step's wall time (the first entry is the prefill).
 */
export async function greedyDecode(gpu: Gpu, model: LoadedModel, promptIds: number[], maxNewTokens: number, opts: GreedyOptions = {}): Promise<{ ids: number[]; stepMs: number[] }> {
  residentWeights(model, 'generation (greedy decoding with a KV cache)');
  const P = promptIds.length;
  const cache = createKvCache(gpu, model, P + maxNewTokens);
  const prefill = createScratch(gpu, model, P);
  const step = createScratch(gpu, model, 1);
  const hidden = gpu.tensor([1, model.spec.hidden], 'decode hidden');
  const logits = gpu.tensor([1, model.vocabSize], 'decode logits');
  const next = gpu.u32Buffer(1, 'next');
  const out: number[] = [];
  const stepMs: number[] = [];
  try {
    gpu.device.queue.writeBuffer(prefill.ids, 0, Uint32Array.from(promptIds));
    let s = prefill;
    for (let i = 0; i < maxNewTokens; i++) {
      const t0 = performance.now();
      const rec = gpu.recorder('decode step');
      recordForward(gpu, rec, model, s, s.T, undefined, true, cache);
      recordLogits(gpu, rec, model, s, s.T - 1, hidden, logits);
      argmaxRows(gpu, rec, logits, next);
      rec.encoder.copyBufferToBuffer(next, 0, step.ids, 0, 4); // the next step's input stays on the GPU
      rec.submit();
      const [id] = await gpu.readU32(next, 1);
      stepMs.push(performance.now() - t0);
      cache.pos += s.T;
      s = step;
      out.push(id);
      opts.onToken?.(out);
      if (opts.stopAt?.(id)) break;
    }
  } finally {
    destroyKvCache(gpu, cache);
    destroyScratch(gpu, prefill);
    destroyScratch(gpu, step);
    gpu.destroy(hidden);
    gpu.destroy(logits);
    gpu.destroy(next);
  }
  return { ids: out, stepMs };
}

export interface Latency {
  prefillTokensPerSecond: number;
  /** null when the model is streamed (decoding needs it resident). */
  decodeMsPerToken: number | null;
  note: string;
}

const PREFILL_TOKENS = 128;
const DECODE_PROMPT = 32;

const PREFILL_RUNS = 4;
const DECODE_STEPS = 7;

/**
 * GPU time of a 128-token prefill (timestamp queries where the adapter has them, median of 3 after a warm-up) and decode ms/token.
 * `onProgress` (phase 'latency') is called after every timed run: a caller may throw there to stop.
 */
export async function measureLatency(gpu: Gpu, model: LoadedModel, onProgress?: ProgressFn): Promise<Latency> {
  const ids = new Uint32Array(PREFILL_TOKENS).fill(Math.min(5, model.vocabSize - 1));
  const total = model.source.resident ? PREFILL_RUNS + DECODE_STEPS : PREFILL_RUNS;
  const report = (done: number) => onProgress?.({ phase: 'latency', done, total, unit: 'steps' });
  if (!model.source.resident) {
    // streamed: time whole passes (uploads included), median of 3 after a warm-up
    const p = createPassBuffers(gpu, model, PREFILL_TOKENS, 1);
    try {
      gpu.device.queue.writeBuffer(p.batches[0].ids, 0, ids);
      const times: number[] = [];
      for (let i = 0; i < PREFILL_RUNS; i++) {
        const t0 = performance.now();
        await runDecoder(gpu, model, p, 1, PREFILL_TOKENS, { finalNorm: true });
        await gpu.device.queue.onSubmittedWorkDone();
        if (i > 0) times.push(performance.now() - t0);
        report(i + 1);
      }
      const ms = times.sort((a, b) => a - b)[1];
      return { prefillTokensPerSecond: (PREFILL_TOKENS / ms) * 1000, decodeMsPerToken: null, note: 'streamed: prefill includes uploading every layer; decode needs the model resident' };
    } finally {
      destroyPassBuffers(gpu, p);
    }
  }
  const s = createScratch(gpu, model, PREFILL_TOKENS);
  let prefillMs: number;
  let source: string;
  try {
    gpu.device.queue.writeBuffer(s.ids, 0, ids);
    const timer = new GpuTimer(gpu);
    source = timer.source;
    const times: number[] = [];
    try {
      for (let i = 0; i < PREFILL_RUNS; i++) {
        const { ms } = await timer.time((rec) => recordForward(gpu, rec, model, s, PREFILL_TOKENS), 'prefill');
        if (i > 0) times.push(ms); // the first run compiles the pipelines
        report(i + 1);
      }
    } finally {
      timer.destroy();
    }
    prefillMs = times.sort((a, b) => a - b)[1];
  } finally {
    destroyScratch(gpu, s);
  }
  // decode: a 32-token prompt, then the median of 5 single-token steps (the first compiles T=1 pipelines)
  const prompt = Array.from({ length: DECODE_PROMPT }, (_, i) => (i * 7 + 3) % model.vocabSize);
  const { stepMs } = await greedyDecode(gpu, model, prompt, DECODE_STEPS, { onToken: (sofar) => report(PREFILL_RUNS + sofar.length) });
  const steps = stepMs.slice(2).sort((a, b) => a - b);
  return {
    prefillTokensPerSecond: (PREFILL_TOKENS / prefillMs) * 1000,
    decodeMsPerToken: steps[Math.floor(steps.length / 2)],
    note: `prefill: ${source === 'timestamp' ? 'GPU timestamps' : 'wall clock'}; decode: wall clock per token with a KV cache`,
  };
}
