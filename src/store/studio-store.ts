// The studio's one zustand store: plain serialisable data in slices, actions that drive the
// engine worker through EngineClient. GPU objects, Files and Blobs never enter the state.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import type { DeviceInfo } from '../gpu/device';
import type {
  CalibrationSummary, EvalOptions, EvalResult, ExportSummary, LatencyResult, ModelSummary, PlanSummary, Progress,
  PruneRequest, SweepPoint,
} from '../engine/types';
import type { EngineClient } from '../worker/client';
import { EngineCallError, isCancelled } from '../worker/client';
import { exportName, type DroppedFile, type WorkerError } from '../worker/protocol';
import { bestPoint, textFromUpload, UploadTextError } from './derive';
import { DEFAULT_SETTINGS, sanitizeSettings, type Settings } from './settings';

export type Status = 'idle' | 'running' | 'done' | 'failed';

/** The long operations a user can cancel. */
export type LongOperation = 'calibrate' | 'preview' | 'sweep' | 'export';

export interface ProgressState extends Progress {
  startedAt: number;
  at: number;
}

export interface SideResult {
  eval: EvalResult;
  latency: LatencyResult;
  gpuBytes: number;
  params: number;
  continuation: string;
}

export interface StudioData {
  settings: Settings;
  model: { status: 'empty' | 'loading' | 'ready' | 'lost'; label: string | null; summary: ModelSummary | null; device: DeviceInfo | null; fileCount: number };
  load: ProgressState | null;
  calibration: { status: Status; progress: ProgressState | null; result: CalibrationSummary | null; textName: string; textChars: number };
  plan: { original: PlanSummary | null; current: PlanSummary | null };
  sweep: { status: Status; progress: ProgressState | null; targetParams: number | null; points: SweepPoint[]; best: SweepPoint | null };
  preview: { status: Status; step: string; forRequest: PruneRequest | null; evalOptions: EvalOptions | null; prompt: string; original: SideResult | null; pruned: SideResult | null };
  exported: { status: Status; progress: ProgressState | null; summary: ExportSummary | null; fileName: string | null };
  /** A cancel was asked for and the worker has not answered yet. */
  cancelling: boolean;
  /** The last operation the user cancelled, with a short note; cleared when a long call starts. */
  cancelled: { operation: LongOperation; note: string } | null;
  error: WorkerError | null;
}

export interface StudioActions {
  /** Checks WebGPU in the worker at start-up; a failure becomes the page's error. */
  probeGpu(): Promise<void>;
  loadModel(label: string, files: DroppedFile[]): Promise<void>;
  reloadModel(): Promise<void>;
  updateSettings(patch: Partial<Omit<Settings, 'calibration' | 'eval' | 'sliders'>>): void;
  updateCalibration(patch: Partial<Settings['calibration']>): void;
  updateEval(patch: Partial<Settings['eval']>): void;
  useCustomText(name: string, content: string): void;
  useDefaultText(): void;
  calibrate(): Promise<void>;
  setSliders(patch: Partial<PruneRequest>): Promise<void>;
  findBestSplit(): Promise<void>;
  runPreview(): Promise<void>;
  /** Zip: resolves to the archive for the UI to download. Folder: writes into `dir`. */
  exportModel(dir?: FileSystemDirectoryHandle): Promise<{ zip: Blob; fileName: string } | null>;
  /**
   * Stops the running long call (calibrate, preview, sweep, export). Its panel returns to idle
   * with a "Cancelled" note; settings, the loaded model and the last calibration stay.
   */
  cancel(): void;
  reportError(e: WorkerError): void;
  dismissError(): void;
}

export type StudioState = StudioData & StudioActions;

export interface StudioDeps {
  client: () => EngineClient;
  /** Loads a built-in text from public/ (calibration-default.txt, heldout-default.txt). */
  fetchText: (name: string) => Promise<string>;
  storage?: StateStorage;
  now?: () => number;
}

export const CALIBRATION_TEXT = 'calibration-default.txt';
export const HELDOUT_TEXT = 'heldout-default.txt';

function initialData(settings: Settings): StudioData {
  return {
    settings,
    model: { status: 'empty', label: null, summary: null, device: null, fileCount: 0 },
    load: null,
    calibration: { status: 'idle', progress: null, result: null, textName: CALIBRATION_TEXT, textChars: 0 },
    plan: { original: null, current: null },
    sweep: { status: 'idle', progress: null, targetParams: null, points: [], best: null },
    preview: { status: 'idle', step: '', forRequest: null, evalOptions: null, prompt: '', original: null, pruned: null },
    exported: { status: 'idle', progress: null, summary: null, fileName: null },
    cancelling: false,
    cancelled: null,
    error: null,
  };
}

function asWorkerError(e: unknown): WorkerError {
  if (e instanceof EngineCallError) return e.detail;
  if (e instanceof UploadTextError) return { kind: 'file', message: e.message, fix: e.fix, file: e.file };
  return { kind: 'engine', message: e instanceof Error ? e.message : String(e), fix: 'Try again; reload the page if it persists (settings are kept).' };
}

export function createStudioStore(deps: StudioDeps): StoreApi<StudioState> {
  const now = deps.now ?? (() => Date.now());
  // Non-serialisable working data lives beside the store, not in it.
  let lastFiles: { label: string; files: DroppedFile[] } | null = null;
  let customText: string | null = null;
  let planTicket = 0;
  let lostSubscribed = false;
  const textCache = new Map<string, Promise<string>>();
  // One AbortController per running long call; cancel() aborts them all.
  const running = new Set<AbortController>();

  const builtIn = (name: string) => {
    let t = textCache.get(name);
    if (!t) {
      t = deps.fetchText(name);
      textCache.set(name, t);
      t.catch(() => textCache.delete(name));
    }
    return t;
  };

  return createStore<StudioState>()(
    persist(
      (set, get) => {
        const client = () => {
          const c = deps.client();
          if (!lostSubscribed) {
            lostSubscribed = true;
            c.onDeviceLost((error) =>
              set((s) => ({
                error,
                model: { ...s.model, status: 'lost' },
                plan: { original: null, current: null },
                calibration: { ...s.calibration, status: 'idle', result: null, progress: null },
              })),
            );
          }
          return c;
        };

        /** Progress reporter throttled to ~10 updates/s (the last one of a phase always lands). */
        const tracker = (apply: (p: ProgressState) => void) => {
          let started = now();
          let phase = '';
          let last = 0;
          return (p: Progress) => {
            const t = now();
            if (p.phase !== phase) {
              phase = p.phase;
              started = t;
            } else if (t - last < 100 && p.done < p.total) return;
            last = t;
            apply({ ...p, startedAt: started, at: t });
          };
        };

        const fail = (e: unknown) => set({ error: asWorkerError(e) });

        /** Starts a cancellable long call: its signal, and `end` to call when it settles. */
        const begin = () => {
          const controller = new AbortController();
          running.add(controller);
          set({ cancelled: null });
          return {
            signal: controller.signal,
            end: () => {
              running.delete(controller);
              if (running.size === 0) set({ cancelling: false });
            },
          };
        };

        const NOTES: Record<LongOperation, string> = {
          calibrate: 'Calibration cancelled.',
          preview: 'Preview cancelled.',
          sweep: 'Sweep cancelled.',
          export: 'Export cancelled; nothing was saved.',
        };
        const noteCancelled = (operation: LongOperation) => set({ cancelled: { operation, note: NOTES[operation] } });

        const sliderRequest = (): PruneRequest | null => {
          const { sliders } = get().settings;
          return sliders.vocabKeep != null && sliders.ffnKeep != null ? { vocabKeep: sliders.vocabKeep, ffnKeep: sliders.ffnKeep } : null;
        };

        const refreshPlan = async () => {
          const req = sliderRequest();
          if (!req || !get().calibration.result) return;
          const ticket = ++planTicket;
          try {
            const current = await client().call('plan', req);
            if (ticket === planTicket) set((s) => ({ plan: { ...s.plan, current } }));
          } catch (e) {
            if (ticket === planTicket) fail(e);
          }
        };

        return {
          ...initialData(DEFAULT_SETTINGS),

          async probeGpu() {
            try {
              const device = await client().call('probe', {});
              set((s) => ({ model: { ...s.model, device: s.model.device ?? device } }));
            } catch (e) {
              fail(e);
            }
          },

          async loadModel(label, files) {
            lastFiles = { label, files };
            const settings = get().settings;
            set({ ...initialData(settings), model: { status: 'loading', label, summary: null, device: null, fileCount: files.length } });
            try {
              const { summary, device } = await client().call('open', { label, files }, tracker((load) => set({ load })));
              set({ model: { status: 'ready', label, summary, device, fileCount: files.length } });
            } catch (e) {
              set((s) => ({ model: { ...s.model, status: 'empty' } }));
              fail(e);
            }
          },

          async reloadModel() {
            if (!lastFiles) {
              set({ error: { kind: 'no-model', message: 'There is no model to reload.', fix: 'Drop the model folder again.' } });
              return;
            }
            await get().loadModel(lastFiles.label, lastFiles.files);
          },

          updateSettings(patch) {
            set((s) => ({ settings: { ...s.settings, ...patch } }));
          },
          updateCalibration(patch) {
            set((s) => ({ settings: { ...s.settings, calibration: { ...s.settings.calibration, ...patch } } }));
          },
          updateEval(patch) {
            set((s) => ({ settings: { ...s.settings, eval: { ...s.settings.eval, ...patch } } }));
          },

          useCustomText(name, content) {
            try {
              customText = textFromUpload(name, content);
              set((s) => ({ calibration: { ...s.calibration, textName: name, textChars: customText!.length } }));
            } catch (e) {
              fail(e);
            }
          },
          useDefaultText() {
            customText = null;
            set((s) => ({ calibration: { ...s.calibration, textName: CALIBRATION_TEXT, textChars: 0 } }));
          },

          async calibrate() {
            const summary = get().model.summary;
            if (!summary) return;
            set((s) => ({ error: null, calibration: { ...s.calibration, status: 'running', progress: null } }));
            const { signal, end } = begin();
            try {
              const text = customText ?? (await builtIn(CALIBRATION_TEXT));
              set((s) => ({ calibration: { ...s.calibration, textChars: text.length } }));
              const result = await client().call('calibrate', { text, opts: get().settings.calibration }, tracker((progress) => set((s) => ({ calibration: { ...s.calibration, progress } }))), signal);
              // Sliders: keep the user's positions for this model, else start at 75% of each.
              const { sliders } = get().settings;
              const same = sliders.forModel === summary.label;
              const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));
              const vocabKeep = clamp(same && sliders.vocabKeep != null ? sliders.vocabKeep : summary.vocabSize * 0.75, result.minVocab, summary.vocabSize);
              const ffnKeep = clamp(same && sliders.ffnKeep != null ? sliders.ffnKeep : summary.intermediate * 0.75, 1, summary.intermediate);
              const original = await client().call('plan', { vocabKeep: summary.vocabSize, ffnKeep: summary.intermediate });
              set((s) => ({
                calibration: { ...s.calibration, status: 'done', result },
                plan: { original, current: null },
                settings: { ...s.settings, sliders: { vocabKeep, ffnKeep, forModel: summary.label } },
              }));
              await refreshPlan();
            } catch (e) {
              if (isCancelled(e)) {
                // the engine keeps its previous calibration, so the previous result stays valid
                set((s) => ({ calibration: { ...s.calibration, status: s.calibration.result ? 'done' : 'idle', progress: null } }));
                noteCancelled('calibrate');
                return;
              }
              set((s) => ({ calibration: { ...s.calibration, status: 'failed' } }));
              fail(e);
            } finally {
              end();
            }
          },

          async setSliders(patch) {
            const summary = get().model.summary;
            set((s) => ({ settings: { ...s.settings, sliders: { ...s.settings.sliders, ...patch, forModel: summary?.label ?? s.settings.sliders.forModel } } }));
            await refreshPlan();
          },

          async findBestSplit() {
            const original = get().plan.original;
            if (!original) return;
            const targetParams = Math.round(original.params.total * get().settings.targetFraction);
            set((s) => ({ error: null, sweep: { ...s.sweep, status: 'running', progress: null, targetParams, points: [], best: null } }));
            const { signal, end } = begin();
            try {
              const heldOut = await builtIn(HELDOUT_TEXT);
              const { points } = await client().call('sweep', { targetParams, heldOut, opts: get().settings.eval }, tracker((progress) => set((s) => ({ sweep: { ...s.sweep, progress } }))), signal);
              set((s) => ({ sweep: { ...s.sweep, status: 'done', points, best: bestPoint(points, targetParams) } }));
            } catch (e) {
              if (isCancelled(e)) {
                set((s) => ({ sweep: { ...s.sweep, status: 'idle', progress: null } }));
                noteCancelled('sweep');
                return;
              }
              set((s) => ({ sweep: { ...s.sweep, status: 'failed' } }));
              fail(e);
            } finally {
              end();
            }
          },

          async runPreview() {
            const req = sliderRequest();
            const { original: origPlan, current } = get().plan;
            if (!req || !origPlan) return;
            const { eval: evalOptions, prompt, maxNewTokens } = get().settings;
            const prev = get().preview;
            const step = (name: string) => set((s) => ({ preview: { ...s.preview, step: name } }));
            set((s) => ({ error: null, preview: { ...s.preview, status: 'running', step: 'starting', pruned: null } }));
            const { signal, end } = begin();
            try {
              const heldOut = await builtIn(HELDOUT_TEXT);
              const c = client();
              const side = async (r: PruneRequest | null, label: string, plan: PlanSummary): Promise<SideResult> => {
                step(`${label}: bits per byte on held-out text`);
                const ev = await c.call('evaluate', { req: r, text: heldOut, opts: evalOptions }, undefined, signal);
                step(`${label}: prefill and decode speed`);
                const latency = await c.call('latency', { req: r }, undefined, signal);
                step(`${label}: greedy continuation`);
                const continuation = await c.call('generate', { req: r, prompt, maxNewTokens }, undefined, signal);
                return { eval: ev, latency, continuation, gpuBytes: plan.gpuBytes, params: plan.params.total };
              };
              // The original's numbers depend only on the eval settings and prompt: reuse them.
              const reuse = prev.original && prev.prompt === prompt && prev.evalOptions?.tokens === evalOptions.tokens && prev.evalOptions?.seq === evalOptions.seq;
              const original = reuse ? prev.original! : await side(null, 'original', origPlan);
              set((s) => ({ preview: { ...s.preview, original, prompt, evalOptions } }));
              const plan = current && current.vocabKeep === req.vocabKeep && current.ffnKeep === req.ffnKeep ? current : await c.call('plan', req, undefined, signal);
              const pruned = await side(req, 'pruned', plan);
              set((s) => ({ preview: { ...s.preview, status: 'done', step: '', forRequest: req, pruned } }));
            } catch (e) {
              if (isCancelled(e)) {
                set((s) => ({ preview: { ...s.preview, status: 'idle', step: '' } }));
                noteCancelled('preview');
                return;
              }
              set((s) => ({ preview: { ...s.preview, status: 'failed', step: '' } }));
              fail(e);
            } finally {
              end();
            }
          },

          async exportModel(dir) {
            const req = sliderRequest();
            const label = get().model.summary?.label;
            if (!req || !label) return null;
            set({ error: null, exported: { status: 'running', progress: null, summary: null, fileName: null } });
            const onProgress = tracker((progress) => set((s) => ({ exported: { ...s.exported, progress } })));
            const { signal, end } = begin();
            try {
              if (dir) {
                const { summary, folder } = await client().call('exportDir', { req, dir }, onProgress, signal);
                set({ exported: { status: 'done', progress: null, summary, fileName: `${dir.name}/${folder}` } });
                return null;
              }
              const { summary, zip } = await client().call('exportZip', { req }, onProgress, signal);
              const fileName = `${exportName(label)}.zip`;
              set({ exported: { status: 'done', progress: null, summary, fileName } });
              return { zip, fileName };
            } catch (e) {
              if (isCancelled(e)) {
                // no archive comes back and partial files are removed: nothing is offered as done
                set({ exported: { status: 'idle', progress: null, summary: null, fileName: null } });
                noteCancelled('export');
                return null;
              }
              set((s) => ({ exported: { ...s.exported, status: 'failed' } }));
              fail(e);
              return null;
            } finally {
              end();
            }
          },

          cancel() {
            if (running.size === 0) return;
            set({ cancelling: true });
            for (const c of running) c.abort();
          },

          reportError(error) {
            set({ error });
          },
          dismissError() {
            set({ error: null });
          },
        };
      },
      {
        name: 'compact-studio.settings',
        version: 1,
        storage: createJSONStorage(() => deps.storage ?? localStorage),
        partialize: (s) => ({ settings: s.settings }),
        merge: (persisted, current) => ({ ...current, settings: sanitizeSettings((persisted as { settings?: unknown } | undefined)?.settings) }),
      },
    ),
  );
}
