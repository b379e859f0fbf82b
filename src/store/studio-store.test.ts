import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import { EngineClient, type WorkerPort } from '../worker/client';
import type { CallMessage, ResponseMessage, SelectionOptions } from '../worker/protocol';
import type { ModelSummary, Placement, PlanSummary, PruneRequest } from '../engine/types';
import { createStudioStore } from './studio-store';
import { pendingCalibration, previewStaleReasons, unappliedOptions } from './stale';

const summary: ModelSummary = {
  label: 'tiny', family: 'llama', modelType: 'llama', layers: 2, hidden: 8, heads: 2, kvHeads: 1, headDim: 4,
  vocabSize: 100, intermediate: 20, tiedEmbeddings: true, dtypes: ['F32'], files: [{ name: 'model.safetensors', size: 10 }],
  params: { embedding: 800, lmHead: 0, attention: 384, ffn: 960, norms: 40, total: 2184 }, weightBytes: 8736,
  placement: { mode: 'resident', budgetBytes: 1 << 30, budgetSource: 'test', weightBytes: 8736, residentNeedBytes: 9000, streamedNeedBytes: 9000, reason: 'fits', unavailable: [] },
};

function plan(req: PruneRequest): PlanSummary {
  const total = req.vocabKeep * 8 + req.ffnKeep * 48 + 424;
  return { ...req, params: { ...summary.params, total }, fileBytes: total * 4, gpuBytes: total * 4, keptByReason: { special: 3, byte: 0, ranked: req.vocabKeep - 3, closure: 0 } };
}

/**
 * A scripted engine worker: logs calls, answers like a tiny model, and keeps the one piece of
 * engine state the store must keep in step: the vocabulary order / criterion / closure in use
 * (set by calibrate and setOptions; plan and export report what they used).
 */
function fakeEngine(opts: { placement?: Placement } = {}) {
  const calls: string[] = [];
  const log: CallMessage[] = [];
  const engine = { options: null as SelectionOptions | null, exportedWith: null as SelectionOptions | null };
  const listeners: ((ev: MessageEvent<ResponseMessage>) => void)[] = [];
  const send = (m: ResponseMessage) => queueMicrotask(() => listeners.forEach((fn) => fn({ data: m } as MessageEvent<ResponseMessage>)));
  const model = { ...summary, placement: opts.placement ?? summary.placement };
  const answer = (req: CallMessage): unknown => {
    switch (req.call) {
      case 'open': return { summary: model, device: { vendor: 'test', architecture: '', description: '', isFallbackAdapter: false, features: [], maxStorageBufferBindingSize: 1, maxBufferSize: 1 } };
      case 'calibrate': {
        const { vocabOrder, criterion, closure } = req.args.opts;
        engine.options = { vocabOrder, criterion, closure };
        return { tokens: 64, distinctTokens: 30, ms: 5, tokensPerSecond: 12800, minVocab: 10, mode: 'exact' as const, modeNote: 'exact: f32 math' };
      }
      case 'setOptions': engine.options = { ...req.args }; return null;
      case 'plan': {
        const p = plan(req.args);
        return engine.options?.closure === false ? { ...p, keptByReason: { ...p.keptByReason, closure: 0 } } : { ...p, keptByReason: { ...p.keptByReason, closure: 7 } };
      }
      case 'evaluate': return { tokens: 64, windows: 2, predicted: 62, mean_nll: req.args.req ? 2 : 1, ppl: Math.exp(req.args.req ? 2 : 1), bits_per_byte: req.args.req ? 1.5 : 1, bytes: 200 };
      case 'latency': return { prefillTokensPerSecond: 1000, decodeMsPerToken: 2, note: 'test' };
      case 'generate': return ' a dog.';
      case 'memory': return { allocatedBytes: 5000, peakBytes: 7000 };
      case 'sweep': {
        const cand = { fileBytes: 0, share: 0.5, criterion: 'common-act2' as const, closure: true };
        const points = [{ ...cand, vocabKeep: 50, ffnKeep: 10, params: 1300, order: 'frequency' as const, bits_per_byte: 1.4, ppl: 3 }, { ...cand, vocabKeep: 80, ffnKeep: 5, params: 1304, order: 'id' as const, bits_per_byte: 1.2, ppl: 2.5 }];
        return { points, best: points[1], mode: 'fast' };
      }
      case 'exportZip': engine.exportedWith = engine.options; return { summary: { files: [] }, zip: new Blob(['zip']) };
      case 'exportZipFile': engine.exportedWith = engine.options; return { summary: { files: [] } };
      default: return null;
    }
  };
  const port: WorkerPort = {
    postMessage: (req) => {
      if (req.kind !== 'request') return;
      calls.push(req.call);
      log.push(req);
      // generation streams its text so far through progress before the result
      if (req.call === 'generate') for (const text of [' a', ' a dog']) send({ kind: 'progress', id: req.id, progress: { phase: 'generate', done: text.length, total: 32, unit: 'tokens', text } });
      send({ kind: 'result', id: req.id, result: answer(req) });
    },
    addEventListener: ((type: string, fn: (ev: MessageEvent<ResponseMessage>) => void) => {
      if (type === 'message') listeners.push(fn);
    }) as WorkerPort['addEventListener'],
    terminate: () => {},
  };
  return { client: new EngineClient(port), calls, log, engine, send };
}

function memoryStorage(): StateStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

const file = (path: string) => ({ path, file: new File(['x'], path) });

describe('studio store', () => {
  it('loads, calibrates, plans, previews and sweeps through the worker client', async () => {
    const engine = fakeEngine();
    const storage = memoryStorage();
    const store = createStudioStore({ client: () => engine.client, fetchText: async (n) => `text of ${n}`, storage });
    const s = () => store.getState();
    await s().loadModel('tiny', [file('config.json'), file('model.safetensors')]);
    expect(s().model.status).toBe('ready');
    expect(s().model.summary?.vocabSize).toBe(100);

    await s().calibrate();
    expect(s().calibration.result?.minVocab).toBe(10);
    expect(s().settings.sliders).toEqual({ vocabKeep: 75, ffnKeep: 15, forModel: 'tiny' });
    expect(s().plan.original?.params.total).toBe(100 * 8 + 20 * 48 + 424);
    expect(s().plan.current?.vocabKeep).toBe(75);

    await s().setSliders({ vocabKeep: 40 });
    expect(s().plan.current?.params.total).toBe(40 * 8 + 15 * 48 + 424);

    await s().runPreview();
    expect(s().preview.original?.eval?.bits_per_byte).toBe(1);
    expect(s().preview.pruned?.eval?.bits_per_byte).toBe(1.5);
    expect(s().preview.forRequest).toEqual({ vocabKeep: 40, ffnKeep: 15 });
    const evaluations = engine.calls.filter((c) => c === 'evaluate').length;
    await s().runPreview(); // the original's numbers are reused
    expect(engine.calls.filter((c) => c === 'evaluate').length).toBe(evaluations + 1);

    store.setState((st) => ({ settings: { ...st.settings, targetFraction: 0.6 } }));
    await s().findBestSplit();
    expect(s().sweep.targetParams).toBe(Math.round(2184 * 0.6));
    expect(s().sweep.best?.vocabKeep).toBe(80);

    // Only settings are persisted.
    const saved = JSON.parse(storage.data.get('compact-studio.settings')!);
    expect(Object.keys(saved.state)).toEqual(['settings']);
    expect(saved.state.settings.sliders.vocabKeep).toBe(40);
  });

  it('on device loss keeps the settings and reloads the same files', async () => {
    const engine = fakeEngine();
    const store = createStudioStore({ client: () => engine.client, fetchText: async () => 'text', storage: memoryStorage() });
    const s = () => store.getState();
    s().updateCalibration({ samples: 3 });
    await s().loadModel('tiny', [file('config.json')]);
    await s().calibrate();
    engine.send({ kind: 'device-lost', error: { kind: 'device-lost', message: 'lost', fix: 'reload' } });
    await new Promise((r) => setTimeout(r, 1));
    expect(s().model.status).toBe('lost');
    expect(s().error?.kind).toBe('device-lost');
    expect(s().plan.current).toBeNull();
    await s().reloadModel();
    expect(s().model.status).toBe('ready');
    expect(engine.calls.filter((c) => c === 'open').length).toBe(2);
    expect(s().settings.calibration.samples).toBe(3);
    expect(s().settings.sliders.vocabKeep).toBe(75); // remembered for the next calibration
  });

  it('restores sanitized settings from storage', () => {
    const storage = memoryStorage();
    storage.setItem('compact-studio.settings', JSON.stringify({ state: { settings: { calibration: { samples: 8, criterion: 'act2' }, eval: { tokens: 999, seq: 64 } } }, version: 1 }));
    const store = createStudioStore({ client: () => fakeEngine().client, fetchText: async () => '', storage });
    expect(store.getState().settings.calibration.samples).toBe(8);
    expect(store.getState().settings.calibration.criterion).toBe('act2');
    expect(store.getState().settings.eval).toEqual({ tokens: 999, seq: 64 });
    expect(store.getState().settings.calibration.closure).toBe(true);
  });
});

async function calibratedStore(engine = fakeEngine(), now?: () => number) {
  const storage = memoryStorage();
  const store = createStudioStore({ client: () => engine.client, fetchText: async (n) => `text of ${n}`, storage, now });
  await store.getState().loadModel('tiny', [file('config.json'), file('model.safetensors')]);
  await store.getState().calibrate();
  return { store, engine, storage, s: () => store.getState() };
}

describe('calibration settings changed after calibrating', () => {
  it('order, criterion and closure apply to the engine at once: plan, preview and export use them', async () => {
    const { s, engine } = await calibratedStore();
    await s().runPreview();
    expect(engine.engine.options).toEqual({ vocabOrder: 'predicted', criterion: 'common-act2', closure: true });
    expect(s().plan.current?.keptByReason.closure).toBe(7);

    await s().updateCalibration({ criterion: 'act2', closure: false });
    expect(engine.log.filter((m) => m.call === 'setOptions').map((m) => m.args)).toEqual([{ vocabOrder: 'predicted', criterion: 'act2', closure: false, countSpan: 'text' }]);
    expect(engine.calls.filter((c) => c === 'calibrate').length).toBe(1); // no new pass
    expect(s().calibration.engineOptions).toEqual({ vocabOrder: 'predicted', criterion: 'act2', closure: false, countSpan: 'text' });
    expect(s().plan.current?.keptByReason.closure).toBe(0); // planned again under the new options
    expect(s().plan.original?.keptByReason.closure).toBe(0);
    // the preview was measured under the old options: it says so, and why
    expect(previewStaleReasons(s())).toEqual(['FFN criterion common act² (COMPACT) → act² (all tokens)', 'merge closure on → off']);
    expect(pendingCalibration(s().calibration, s().settings)).toEqual([]);

    await s().runPreview();
    expect(previewStaleReasons(s())).toEqual([]);
    await s().exportModel();
    expect(engine.engine.exportedWith).toEqual({ vocabOrder: 'predicted', criterion: 'act2', closure: false, countSpan: 'text' });
  });

  it('changes before any calibration only update the settings; calibrate sends them', async () => {
    const engine = fakeEngine();
    const store = createStudioStore({ client: () => engine.client, fetchText: async () => 'text', storage: memoryStorage() });
    await store.getState().loadModel('tiny', [file('config.json')]);
    await store.getState().updateCalibration({ vocabOrder: 'id' });
    expect(engine.calls).not.toContain('setOptions');
    await store.getState().calibrate();
    expect(engine.engine.options?.vocabOrder).toBe('id');
  });

  it('a change made while calibrating applies when the pass ends', async () => {
    const { s, engine } = await calibratedStore();
    const again = s().calibrate(); // sends the current (frequency) options
    await s().updateCalibration({ vocabOrder: 'id' });
    await again;
    await new Promise((r) => setTimeout(r, 1));
    expect(engine.engine.options?.vocabOrder).toBe('id');
    expect(s().calibration.engineOptions?.vocabOrder).toBe('id');
    expect(unappliedOptions(s().calibration, s().settings)).toEqual([]);
  });

  it('samples, tokens per sample and the text need a new pass: calibration and preview say so until it runs', async () => {
    const { s, engine } = await calibratedStore();
    await s().runPreview();
    await s().updateCalibration({ samples: 3, sampleTokens: 64 });
    s().useCustomText('notes.txt', 'some words of my own');
    expect(engine.calls).not.toContain('setOptions');
    expect(pendingCalibration(s().calibration, s().settings)).toEqual(['samples 16 → 3', 'tokens per sample 512 → 64', 'text calibration-default.txt → notes.txt']);
    expect(previewStaleReasons(s())).toEqual(['calibration settings changed (samples 16 → 3, tokens per sample 512 → 64, text calibration-default.txt → notes.txt): calibrate again to use them']);

    await s().calibrate();
    expect(engine.log.filter((m) => m.call === 'calibrate').pop()?.args).toMatchObject({ text: 'some words of my own', opts: { samples: 3, sampleTokens: 64 } });
    expect(pendingCalibration(s().calibration, s().settings)).toEqual([]);
    expect(previewStaleReasons(s())).toEqual(['a new calibration ran since']);
    // the same file uploaded again is the same text; a different one is not
    s().useCustomText('notes.txt', 'some words of my own');
    expect(pendingCalibration(s().calibration, s().settings)).toEqual([]);
    s().useCustomText('notes.txt', 'other words of my own');
    expect(pendingCalibration(s().calibration, s().settings)).toEqual(['text notes.txt → notes.txt']);
  });

  it('the preview says when the sliders or the eval settings moved since it ran', async () => {
    const { s } = await calibratedStore();
    await s().runPreview();
    await s().setSliders({ vocabKeep: 60 });
    s().updateEval({ seq: 128 });
    expect(previewStaleReasons(s())).toEqual(['the sliders moved (vocabulary 75 → 60)', 'held-out tokens or window changed (4096 in 256 → 4096 in 128)']);
  });
});

describe('preview', () => {
  it('streams the continuation, reports GPU memory after the preview model is built, and the sweep mode', async () => {
    let t = 0;
    const { s, store } = await calibratedStore(fakeEngine(), () => (t += 150)); // progress is throttled to 10/s
    const seen: string[] = [];
    const unsub = store.subscribe((st) => {
      const t = st.preview.pruned?.continuation;
      if (t != null && seen[seen.length - 1] !== t) seen.push(t);
    });
    await s().runPreview();
    unsub();
    expect(seen).toEqual(['', ' a', ' a dog', ' a dog.']);
    expect(s().preview.pruned).toMatchObject({ continuation: ' a dog.', continuationDone: true, weightBytes: plan({ vocabKeep: 75, ffnKeep: 15 }).gpuBytes });
    expect(s().preview.memory).toEqual({ allocatedBytes: 5000, peakBytes: 7000 });
    await s().findBestSplit();
    expect(s().sweep.mode).toBe('fast');
  });

  it('each measure lands as soon as it is ready: bits per byte first, the continuation last', async () => {
    const { s, store, engine } = await calibratedStore();
    const order: string[] = [];
    const unsub = store.subscribe((st, prev) => {
      for (const side of ['original', 'pruned'] as const) {
        const a = st.preview[side];
        const b = prev.preview[side];
        if (a?.eval && !b?.eval) order.push(`${side} bpb`);
        if (a?.latency && !b?.latency) order.push(`${side} speed`);
        if (a?.continuationDone && !b?.continuationDone) order.push(`${side} continuation`);
      }
    });
    await s().runPreview();
    unsub();
    expect(order).toEqual(['original bpb', 'pruned bpb', 'original speed', 'pruned speed', 'original continuation', 'pruned continuation']);
    expect(engine.calls.filter((c) => c === 'memory').length).toBe(3);
  });

  it('streamed: skips what needs the model resident, says why, and still finishes', async () => {
    const placement: Placement = {
      mode: 'streamed', budgetBytes: 64 * 2 ** 20, budgetSource: 'the studio setting', weightBytes: 1e9, residentNeedBytes: 1.2e9, streamedNeedBytes: 5e7,
      reason: 'the model needs 1.1 GiB resident, the budget is 64 MiB', unavailable: ['decode latency', 'generation'],
    };
    const { s, engine } = await calibratedStore(fakeEngine({ placement }));
    await s().runPreview();
    expect(s().preview.status).toBe('done');
    expect(engine.calls).not.toContain('generate');
    expect(s().preview.pruned?.eval?.bits_per_byte).toBe(1.5);
    expect(s().preview.pruned?.skipped.continuation).toBe('Needs the whole model on the GPU; it runs streamed under 64 MiB (the studio setting).');
    expect(s().preview.pruned?.skipped.decode).toMatch(/^Needs the whole model on the GPU/);
    expect(s().error).toBeNull();
  });
});

describe('GPU memory budget', () => {
  it('refuses text that is not a size, and changes nothing', async () => {
    const { s, engine } = await calibratedStore();
    expect(s().setGpuBudget('lots')).toEqual({ ok: false, message: '"lots" is not a size: write a number and a unit, like 2GiB, 512 MiB or 4GB.' });
    expect(s().setGpuBudget('2048')).toMatchObject({ ok: false, message: expect.stringMatching(/no unit/) });
    expect(s().settings.gpuMemory).toBe('');
    expect(engine.calls.filter((c) => c === 'open').length).toBe(1);
  });

  it('is sent at open, persisted, and a change re-opens the loaded model after saying so', async () => {
    const { s, engine, storage } = await calibratedStore();
    expect(engine.log.find((m) => m.call === 'open')?.args).toMatchObject({ gpuMemoryBytes: undefined });
    expect(s().setGpuBudget(' 64 MiB ')).toEqual({ ok: true, reopening: true });
    expect(s().model.status).toBe('loading');
    expect(s().model.reopenNote).toBe('Opening tiny again under a GPU memory budget of 64 MiB; calibration and preview start over (your settings are kept).');
    await new Promise((r) => setTimeout(r, 1));
    expect(s().model.status).toBe('ready');
    expect(s().model.reopenNote).toBeNull();
    expect(engine.log.filter((m) => m.call === 'open').pop()?.args).toMatchObject({ gpuMemoryBytes: 64 * 2 ** 20 });
    expect(s().calibration.result).toBeNull(); // a new session: calibrate again
    expect(JSON.parse(storage.data.get('compact-studio.settings')!).state.settings.gpuMemory).toBe('64 MiB');
    expect(s().setGpuBudget('64 MiB')).toEqual({ ok: true, reopening: false }); // unchanged: nothing to do
    expect(s().setGpuBudget('')).toEqual({ ok: true, reopening: true }); // back to the default
  });

  it('a stored budget that no longer parses falls back to the default', () => {
    const storage = memoryStorage();
    storage.setItem('compact-studio.settings', JSON.stringify({ state: { settings: { gpuMemory: 'huge' } }, version: 1 }));
    const store = createStudioStore({ client: () => fakeEngine().client, fetchText: async () => '', storage });
    expect(store.getState().settings.gpuMemory).toBe('');
  });
});

describe('export targets', () => {
  it('a picked .zip file goes to exportZipFile, and nothing comes back to download', async () => {
    const { s, engine } = await calibratedStore();
    const handle = { name: 'tiny-compact.zip' } as FileSystemFileHandle;
    expect(await s().exportModel({ zipFile: handle })).toBeNull();
    expect(engine.log.find((m) => m.call === 'exportZipFile')?.args).toMatchObject({ req: { vocabKeep: 75, ffnKeep: 15 }, file: handle });
    expect(s().exported).toMatchObject({ status: 'done', fileName: 'tiny-compact.zip' });
  });
});
