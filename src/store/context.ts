// What every slice shares: the store's set/get, the worker client, throttled progress, built-in
// texts, and one helper for the long cancellable calls (begin / try / cancel / fail / end).
// Non-serialisable working data (the dropped Files, an uploaded text) lives here, beside the store.
import type { StoreApi } from 'zustand/vanilla';
import type { Progress } from '../engine/types';
import type { EngineClient } from '../worker/client';
import { EngineCallError, isCancelled } from '../worker/client';
import type { DroppedFile, WorkerError } from '../worker/protocol';
import { UploadTextError } from './derive';
import type { LongOperation, ProgressState, StudioState } from './types';

export interface StudioDeps {
  client: () => EngineClient;
  /** Loads a built-in text from public/ (calibration-default.txt, heldout-default.txt). */
  fetchText: (name: string) => Promise<string>;
  now?: () => number;
}

/** One long call: how its panel starts, runs, and looks after a cancel or a failure. */
export interface LongCall<T> {
  operation: LongOperation;
  /** Marks the panel running (the page's error and last cancel note are cleared with it). */
  start(): void;
  run(signal: AbortSignal): Promise<T>;
  /** The panel after a cancel; the "Cancelled" note is added for it. */
  cancelled(): void;
  /** The panel after a failure; the error banner is set for it. */
  failed(): void;
}

export interface StoreContext {
  set: StoreApi<StudioState>['setState'];
  get: StoreApi<StudioState>['getState'];
  client(): EngineClient;
  /** Progress reporter throttled to ~10 updates/s (the last one of a phase always lands). */
  tracker(apply: (p: ProgressState) => void): (p: Progress) => void;
  builtIn(name: string): Promise<string>;
  /** Shows `e` in the error banner, as a WorkerError. */
  fail(e: unknown): void;
  /** Runs a long call; resolves to its result, or null when it was cancelled or failed. */
  longCall<T>(call: LongCall<T>): Promise<T | null>;
  /** Aborts every running long call. */
  cancelAll(): void;
  work: { lastFiles: { label: string; files: DroppedFile[] } | null; customText: string | null };
}

export function asWorkerError(e: unknown): WorkerError {
  if (e instanceof EngineCallError) return e.detail;
  if (e instanceof UploadTextError) return { kind: 'file', message: e.message, fix: e.fix, file: e.file };
  return { kind: 'engine', message: e instanceof Error ? e.message : String(e), fix: 'Try again; reload the page if it persists (settings are kept).' };
}

const CANCEL_NOTES: Record<LongOperation, string> = {
  calibrate: 'Calibration cancelled.',
  preview: 'Preview cancelled.',
  sweep: 'Sweep cancelled.',
  export: 'Export cancelled; nothing was saved.',
};

export function createContext(deps: StudioDeps, set: StoreContext['set'], get: StoreContext['get'], onClient: (c: EngineClient) => void): StoreContext {
  const now = deps.now ?? (() => Date.now());
  const textCache = new Map<string, Promise<string>>();
  // One AbortController per running long call; cancelAll() aborts them all.
  const running = new Set<AbortController>();
  let subscribed = false;

  const fail = (e: unknown) => set({ error: asWorkerError(e) });

  return {
    set,
    get,
    client() {
      const c = deps.client();
      if (!subscribed) {
        subscribed = true;
        onClient(c);
      }
      return c;
    },
    tracker(apply) {
      let started = now();
      let phase = '';
      let last = 0;
      return (p) => {
        const t = now();
        if (p.phase !== phase) {
          phase = p.phase;
          started = t;
        } else if (t - last < 100 && p.done < p.total) return;
        last = t;
        apply({ ...p, startedAt: started, at: t });
      };
    },
    builtIn(name) {
      let t = textCache.get(name);
      if (!t) {
        t = deps.fetchText(name);
        textCache.set(name, t);
        t.catch(() => textCache.delete(name));
      }
      return t;
    },
    fail,
    async longCall(call) {
      const controller = new AbortController();
      running.add(controller);
      set({ error: null, cancelled: null });
      call.start();
      try {
        return await call.run(controller.signal);
      } catch (e) {
        if (isCancelled(e)) {
          call.cancelled();
          set({ cancelled: { operation: call.operation, note: CANCEL_NOTES[call.operation] } });
        } else {
          call.failed();
          fail(e);
        }
        return null;
      } finally {
        running.delete(controller);
        if (running.size === 0) set({ cancelling: false });
      }
    },
    cancelAll() {
      if (running.size === 0) return;
      set({ cancelling: true });
      for (const c of running) c.abort();
    },
    work: { lastFiles: null, customText: null },
  };
}
