// Cancel path end to end in Node: store -> EngineClient -> worker dispatch (the real one)
// -> a fake engine that reports progress between "GPU batches" and frees in finally.
import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import { EngineClient, type WorkerPort } from '../worker/client';
import { createDispatcher, type Handlers } from '../worker/dispatch';
import type { RequestMessage, ResponseMessage } from '../worker/protocol';
import type { ModelSummary, PlanSummary, Progress, PruneRequest } from '../engine/types';
import { createStudioStore } from './studio-store';

const summary: ModelSummary = {
  label: 'tiny', family: 'llama', modelType: 'llama', layers: 2, hidden: 8, heads: 2, kvHeads: 1, headDim: 4,
  vocabSize: 100, intermediate: 20, tiedEmbeddings: true, dtypes: ['F32'], files: [{ name: 'model.safetensors', size: 10 }],
  params: { embedding: 800, lmHead: 0, attention: 384, ffn: 960, norms: 40, total: 2184 }, weightBytes: 8736,
  placement: { mode: 'resident', budgetBytes: 1 << 30, budgetSource: 'test', weightBytes: 8736, residentNeedBytes: 9000, streamedNeedBytes: 9000, reason: 'fits', unavailable: [] },
};
const plan = (req: PruneRequest): PlanSummary => {
  const total = req.vocabKeep * 8 + req.ffnKeep * 48 + 424;
  return { ...req, params: { ...summary.params, total }, fileBytes: total * 4, gpuBytes: total * 4, keptByReason: { special: 3, byte: 0, ranked: req.vocabKeep - 3, closure: 0 } };
};

const tick = () => new Promise((r) => setTimeout(r, 1));

/**
 * A fake engine behind the real dispatcher. Long calls run `batches` steps, each "allocating"
 * a buffer, yielding, reporting progress, and freeing it in finally, like the GPU code.
 */
function fakeWorker(batches = 50) {
  const state = { live: 0, batchesRun: 0, firstProgress: null as null | (() => void) };
  const gpuLoop = async (phase: Progress['phase'], progress: (p: Progress) => void) => {
    for (let b = 0; b < batches; b++) {
      state.live++;
      try {
        await tick();
        state.batchesRun++;
        progress({ phase, done: b + 1, total: batches, unit: 'steps' });
        state.firstProgress?.();
      } finally {
        state.live--;
      }
    }
  };
  const handlers: Handlers = {
    probe: async () => ({ vendor: 'test', architecture: '', description: '', isFallbackAdapter: false, features: [], maxStorageBufferBindingSize: 1, maxBufferSize: 1 }),
    open: async () => ({ summary, device: await handlers.probe({}, () => {}) }),
    calibrate: async (_a, progress) => {
      await gpuLoop('calibrate', progress);
      return { tokens: 64, textTokens: 640, distinctTokens: 30, ms: 5, tokenizeMs: 1, tokensPerSecond: 12800, minVocab: 10, mode: 'exact' as const, modeNote: 'exact' };
    },
    setOptions: () => null,
    plan: (req) => plan(req),
    evaluate: async (_a, progress) => {
      await gpuLoop('evaluate', progress);
      return { tokens: 64, windows: 2, predicted: 62, mean_nll: 1, ppl: Math.E, bits_per_byte: 1, bytes: 200 };
    },
    latency: async (_a, progress) => {
      await gpuLoop('latency', progress);
      return { prefillTokensPerSecond: 1000, decodeMsPerToken: 2, note: 'test' };
    },
    generate: async (_a, progress) => {
      let text = '';
      for (let b = 0; b < batches; b++) {
        await tick();
        text += ' w';
        state.batchesRun++;
        progress({ phase: 'generate', done: b + 1, total: batches, unit: 'tokens', text });
      }
      return text;
    },
    memory: () => ({ allocatedBytes: 0, peakBytes: 0 }),
    sweep: async (_a, progress) => {
      await gpuLoop('sweep', progress);
      return { points: [], best: null, mode: 'exact' };
    },
    exportZip: async (_a, progress) => {
      await gpuLoop('export', progress);
      return { summary: null as never, zip: new Blob(['zip']) };
    },
    exportZipFile: async (_a, progress) => {
      await gpuLoop('export', progress);
      return { summary: null as never };
    },
    exportDir: async () => ({ summary: null as never, folder: 'm-compact' }),
    close: () => null,
  };
  const listeners: ((ev: MessageEvent<ResponseMessage>) => void)[] = [];
  const sent: RequestMessage[] = [];
  const dispatch = createDispatcher(handlers, (m) => queueMicrotask(() => listeners.forEach((fn) => fn({ data: m } as MessageEvent<ResponseMessage>))));
  const port: WorkerPort = {
    postMessage: (msg) => {
      sent.push(msg);
      dispatch(structuredClone(msg));
    },
    addEventListener: ((type: string, fn: (ev: MessageEvent<ResponseMessage>) => void) => {
      if (type === 'message') listeners.push(fn);
    }) as WorkerPort['addEventListener'],
    terminate: () => {},
  };
  const untilProgress = () => new Promise<void>((resolve) => (state.firstProgress = () => { state.firstProgress = null; resolve(); }));
  return { client: new EngineClient(port), state, sent, untilProgress };
}

function memoryStorage(): StateStorage {
  const data = new Map<string, string>();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

async function readyStore(worker: ReturnType<typeof fakeWorker>) {
  const store = createStudioStore({ client: () => worker.client, fetchText: async (n) => `text of ${n}`, storage: memoryStorage() });
  await store.getState().loadModel('tiny', [{ path: 'config.json', file: new File(['x'], 'config.json') }]);
  return store;
}

describe('cancel', () => {
  it('stops a running calibration between batches, frees its buffers, and leaves model and settings', async () => {
    const worker = fakeWorker();
    const store = await readyStore(worker);
    const s = () => store.getState();
    s().updateCalibration({ samples: 3 });
    const running = s().calibrate();
    await worker.untilProgress();
    expect(s().calibration.status).toBe('running');
    s().cancel();
    expect(s().cancelling).toBe(true);
    await running;

    expect(worker.sent.some((m) => m.kind === 'cancel')).toBe(true);
    expect(worker.state.batchesRun).toBeLessThan(50); // stopped early, not run to the end
    expect(worker.state.live).toBe(0); // the finally blocks ran
    expect(s().calibration).toMatchObject({ status: 'idle', progress: null, result: null });
    expect(s().cancelled).toEqual({ operation: 'calibrate', note: 'Calibration cancelled.' });
    expect(s().cancelling).toBe(false);
    expect(s().error).toBeNull(); // no error banner
    expect(s().model.status).toBe('ready');
    expect(s().settings.calibration.samples).toBe(3);

    // the worker stays usable: the next calibration runs to the end and clears the note
    await s().calibrate();
    expect(s().calibration.status).toBe('done');
    expect(s().cancelled).toBeNull();
  });

  it('a cancelled zip export offers no download; a cancelled sweep and preview go idle', async () => {
    const worker = fakeWorker();
    const store = await readyStore(worker);
    const s = () => store.getState();
    await s().calibrate();
    worker.state.batchesRun = 0;

    const exporting = s().exportModel();
    await worker.untilProgress();
    s().cancel();
    expect(await exporting).toBeNull();
    expect(s().exported).toEqual({ status: 'idle', progress: null, summary: null, fileName: null });
    expect(s().cancelled?.operation).toBe('export');

    const sweeping = s().findBestSplit();
    await worker.untilProgress();
    s().cancel();
    await sweeping;
    expect(s().sweep.status).toBe('idle');
    expect(s().cancelled?.operation).toBe('sweep');

    const previewing = s().runPreview();
    await worker.untilProgress();
    s().cancel();
    await previewing;
    expect(s().preview).toMatchObject({ status: 'idle', step: '', original: null, pruned: null });
    expect(s().cancelled?.operation).toBe('preview');
    expect(s().error).toBeNull();
    expect(worker.state.live).toBe(0);
    expect(worker.state.batchesRun).toBeLessThan(3 * 50);
  });

  it('a preview stays cancellable to its end: cancelled while the continuation streams, it keeps what was measured', async () => {
    const worker = fakeWorker(5);
    const store = await readyStore(worker);
    const s = () => store.getState();
    await s().calibrate();
    const previewing = s().runPreview();
    // wait until the pruned side's continuation is streaming (after both evals and both speed runs)
    await new Promise<void>((resolve) => {
      const unsub = store.subscribe((st) => {
        if ((st.preview.pruned?.continuation?.length ?? 0) > 0) {
          unsub();
          resolve();
        }
      });
    });
    const runBefore = worker.state.batchesRun;
    s().cancel();
    await previewing;
    expect(worker.state.batchesRun - runBefore).toBeLessThanOrEqual(1); // stopped at the next token
    expect(s().preview.status).toBe('idle');
    expect(s().cancelled?.operation).toBe('preview');
    expect(s().preview.original).toMatchObject({ continuationDone: true, continuation: ' w w w w w' });
    expect(s().preview.pruned?.eval?.bits_per_byte).toBe(1);
    expect(s().preview.pruned?.latency?.decodeMsPerToken).toBe(2);
    expect(s().preview.pruned?.continuationDone).toBe(false);
    expect(s().preview.pruned?.continuation).toMatch(/^( w)+$/);
    expect(s().error).toBeNull();
    expect(worker.state.live).toBe(0);

    // and while timing speed: the latency call stops between its runs
    const again = s().runPreview();
    await new Promise<void>((resolve) => {
      const unsub = store.subscribe((st) => {
        if (st.preview.step.includes('speed') && st.preview.progress?.phase === 'latency') {
          unsub();
          resolve();
        }
      });
    });
    s().cancel();
    await again;
    expect(s().preview.status).toBe('idle');
    expect(s().preview.pruned?.latency ?? null).toBeNull();
    expect(worker.state.live).toBe(0);
  });

  it('a request cancelled while queued never starts; cancel with nothing running is a no-op', async () => {
    const worker = fakeWorker(5);
    const store = await readyStore(worker);
    store.getState().cancel();
    expect(store.getState().cancelling).toBe(false);
    const controller = new AbortController();
    const first = worker.client.call('evaluate', { req: null, text: 't', opts: { tokens: 8, seq: 4 } });
    const queued = worker.client.call('sweep', { targetParams: 1, heldOut: 't', opts: { tokens: 8, seq: 4 } }, undefined, controller.signal);
    controller.abort();
    await expect(queued).rejects.toMatchObject({ name: 'CancelledError' });
    expect((await first).windows).toBe(2);
    expect(worker.state.batchesRun).toBe(5); // only the evaluate's batches ran
  });
});
