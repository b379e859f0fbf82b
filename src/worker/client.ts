// Promise API over the engine worker: call(name, args, onProgress) -> result, with typed
// errors (EngineCallError carries the WorkerError) and a device-lost subscription.
// An AbortSignal cancels a call: the worker is told, and the call rejects with CancelledError.
import { CancelledError } from '../engine/cancel';
import type { Progress } from '../engine/types';
import type { CallArgs, CallName, CallResult, RequestMessage, ResponseMessage, WorkerError } from './protocol';

export { CancelledError, isCancelled } from '../engine/cancel';

export class EngineCallError extends Error {
  constructor(readonly detail: WorkerError) {
    super(detail.message);
    this.name = 'EngineCallError';
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: Progress) => void;
  call: CallName;
  /** Detaches the abort listener once the call has answered. */
  detach?: () => void;
}

/** The little of Worker the client needs (lets tests pass a fake port). */
export interface WorkerPort {
  postMessage(msg: RequestMessage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (ev: MessageEvent<ResponseMessage>) => void): void;
  addEventListener(type: 'error', fn: (ev: ErrorEvent) => void): void;
  terminate(): void;
}

export class EngineClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private lostListeners = new Set<(e: WorkerError) => void>();

  constructor(private readonly port: WorkerPort) {
    port.addEventListener('message', (ev) => this.receive(ev.data));
    port.addEventListener('error', (ev) => {
      const err: WorkerError = {
        kind: 'engine',
        message: `The engine worker failed to start or crashed: ${ev.message || 'unknown error'}`,
        fix: 'Reload the page (your settings are kept).',
      };
      for (const p of this.pending.values()) {
        p.detach?.();
        p.reject(new EngineCallError(err));
      }
      this.pending.clear();
    });
  }

  /**
   * Runs `call` in the worker. Aborting `signal` asks the worker to stop it: it rejects with
   * CancelledError once the worker confirms (or at once, if the signal was already aborted).
   * A call that finished before the worker saw the cancel may still resolve.
   */
  call<K extends CallName>(call: K, args: CallArgs<K>, onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<CallResult<K>> {
    if (signal?.aborted) return Promise.reject(new CancelledError(call));
    const id = this.nextId++;
    return new Promise<CallResult<K>>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (v: unknown) => void, reject, onProgress, call };
      if (signal) {
        const onAbort = () => this.port.postMessage({ kind: 'cancel', id });
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(id, pending);
      this.port.postMessage({ kind: 'request', id, call, args } as RequestMessage);
    });
  }

  onDeviceLost(fn: (e: WorkerError) => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  terminate(): void {
    this.port.terminate();
  }

  private receive(msg: ResponseMessage): void {
    if (msg.kind === 'device-lost') {
      for (const fn of this.lostListeners) fn(msg.error);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    p.detach?.();
    if (msg.kind === 'result') p.resolve(msg.result);
    else if (msg.kind === 'cancelled') p.reject(new CancelledError(p.call));
    else p.reject(new EngineCallError(msg.error));
  }
}

/** The studio's one worker, started on first use. */
let shared: EngineClient | null = null;
export function engineClient(): EngineClient {
  if (!shared) {
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'compact-engine' });
    shared = new EngineClient(worker as unknown as WorkerPort);
  }
  return shared;
}
