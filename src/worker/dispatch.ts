// Request dispatch of the engine worker, apart from `self` so tests can drive it: GPU calls run
// one at a time in arrival order ('plan', pure CPU arithmetic, may overtake the queue), every
// request answers exactly once, and a 'cancel' stops a request at its next progress report.
import { CancelledError, isCancelled } from '../engine/cancel';
import type { Progress } from '../engine/types';
import { toWorkerError } from './errors';
import type { CallArgs, CallMessage, CallName, CallResult, RequestMessage, ResponseMessage, WorkerError } from './protocol';

export type Handler<K extends CallName> = (args: CallArgs<K>, progress: (p: Progress) => void) => Promise<CallResult<K>> | CallResult<K>;
export type Handlers = { [K in CallName]: Handler<K> };

/**
 * Calls without lasting effect drop a result that lands after their cancel (latency and
 * generate report no progress, so they stop only here); calibrate/open/export that finished
 * keep their result, so the UI matches the engine's state.
 */
const DROPPABLE = new Set<CallName>(['evaluate', 'latency', 'generate', 'sweep']);

/** Returns the worker's message handler. */
export function createDispatcher(handlers: Handlers, post: (msg: ResponseMessage) => void): (msg: RequestMessage) => void {
  let queue: Promise<unknown> = Promise.resolve();
  // Ids queued or running, and those of them asked to stop; both forget an id once it answers.
  const active = new Set<number>();
  const cancelled = new Set<number>();

  async function run(msg: CallMessage): Promise<void> {
    const stop = () => {
      if (cancelled.has(msg.id)) throw new CancelledError(msg.call);
    };
    // The engine reports progress between GPU batches: the natural place to stop.
    const progress = (p: Progress) => {
      stop();
      post({ kind: 'progress', id: msg.id, progress: p });
    };
    try {
      stop(); // cancelled while still queued: never start
      const handler = handlers[msg.call] as Handler<CallName>;
      const result = await handler(msg.args as never, progress);
      if (DROPPABLE.has(msg.call)) stop();
      post({ kind: 'result', id: msg.id, result });
    } catch (err) {
      if (isCancelled(err)) {
        post({ kind: 'cancelled', id: msg.id });
        return;
      }
      const typed = (err as { workerError?: WorkerError } | null)?.workerError;
      post({ kind: 'error', id: msg.id, error: typed ?? toWorkerError(err) });
    } finally {
      active.delete(msg.id);
      cancelled.delete(msg.id);
    }
  }

  return (msg) => {
    if (msg?.kind === 'cancel') {
      if (active.has(msg.id)) cancelled.add(msg.id); // a late cancel for an answered id is moot
      return;
    }
    if (msg?.kind !== 'request') return;
    active.add(msg.id);
    if (msg.call === 'plan') {
      void run(msg);
      return;
    }
    queue = queue.then(() => run(msg));
  };
}
