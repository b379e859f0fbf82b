import { describe, expect, it } from 'vitest';
import type { StateStorage } from 'zustand/middleware';
import { EngineClient, type WorkerPort } from '../worker/client';
import type { CallMessage, ResponseMessage } from '../worker/protocol';
import type { ModelSummary, PlanSummary, PruneRequest } from '../engine/types';
import { createStudioStore } from './studio-store';

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

/** A scripted engine worker: counts calls, answers like a tiny model. */
function fakeEngine() {
  const calls: string[] = [];
  const listeners: ((ev: MessageEvent<ResponseMessage>) => void)[] = [];
  const send = (m: ResponseMessage) => queueMicrotask(() => listeners.forEach((fn) => fn({ data: m } as MessageEvent<ResponseMessage>)));
  const answer = (req: CallMessage): unknown => {
    switch (req.call) {
      case 'open': return { summary, device: { vendor: 'test', architecture: '', description: '', isFallbackAdapter: false, features: [], maxStorageBufferBindingSize: 1, maxBufferSize: 1 } };
      case 'calibrate': return { tokens: 64, distinctTokens: 30, ms: 5, tokensPerSecond: 12800, minVocab: 10, mode: 'exact' as const, modeNote: 'exact' };
      case 'plan': return plan(req.args);
      case 'evaluate': return { tokens: 64, windows: 2, predicted: 62, mean_nll: req.args.req ? 2 : 1, ppl: Math.exp(req.args.req ? 2 : 1), bits_per_byte: req.args.req ? 1.5 : 1, bytes: 200 };
      case 'latency': return { prefillTokensPerSecond: 1000, decodeMsPerToken: 2, note: 'test' };
      case 'generate': return ' a dog.';
      case 'sweep': return { points: [{ vocabKeep: 50, ffnKeep: 10, params: 1300, bits_per_byte: 1.4, ppl: 3 }, { vocabKeep: 80, ffnKeep: 5, params: 1304, bits_per_byte: 1.2, ppl: 2.5 }], mode: 'exact' };
      default: return null;
    }
  };
  const port: WorkerPort = {
    postMessage: (req) => {
      if (req.kind !== 'request') return;
      calls.push(req.call);
      send({ kind: 'result', id: req.id, result: answer(req) });
    },
    addEventListener: ((type: string, fn: (ev: MessageEvent<ResponseMessage>) => void) => {
      if (type === 'message') listeners.push(fn);
    }) as WorkerPort['addEventListener'],
    terminate: () => {},
  };
  return { client: new EngineClient(port), calls, send };
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
    expect(s().preview.original?.eval.bits_per_byte).toBe(1);
    expect(s().preview.pruned?.eval.bits_per_byte).toBe(1.5);
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
