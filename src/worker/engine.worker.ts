/// <reference lib="webworker" />
// The engine worker: owns the GPU device and one EngineSession; answers typed requests
// (protocol.ts), reports progress as events, and turns every failure into a WorkerError.
import { acquireDevice, type AcquiredDevice } from '../gpu/device';
import { openSession } from '../engine/session';
import type { EngineSessionApi } from '../engine/session-api';
import type { Progress } from '../engine/types';
import { createZipOutput } from '../io/zip-output';
import { directoryOutput } from '../io/browser-output';
import { modelFilesFromPairs } from '../io/browser-files';
import { deviceLostError, toWorkerError } from './errors';
import type { CallArgs, CallName, CallResult, RequestMessage, ResponseMessage, WorkerError } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let gpu: AcquiredDevice | null = null;
let session: EngineSessionApi | null = null;

function post(msg: ResponseMessage, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

async function ensureDevice(): Promise<AcquiredDevice> {
  if (gpu) return gpu;
  const acquired = await acquireDevice(navigator.gpu, (e) => console.error('[engine] uncaptured GPU error:', e.message));
  gpu = acquired;
  void acquired.lost.then((info) => {
    if (gpu !== acquired) return; // an older device we replaced on purpose
    gpu = null;
    session = null;
    if (info.reason !== 'destroyed') post({ kind: 'device-lost', error: deviceLostError(info.reason, info.message) });
  });
  return acquired;
}

function needSession(): EngineSessionApi {
  if (!session) {
    const e: WorkerError = { kind: 'no-model', message: 'No model is loaded.', fix: 'Drop a model folder first (or press "Reload model").' };
    throw Object.assign(new Error(e.message), { workerError: e });
  }
  return session;
}

type Handler<K extends CallName> = (args: CallArgs<K>, progress: (p: Progress) => void) => Promise<CallResult<K>> | CallResult<K>;
type Handlers = { [K in CallName]: Handler<K> };

const handlers: Handlers = {
  async probe() {
    return (await ensureDevice()).info;
  },
  async open({ label, files }, progress) {
    session?.dispose();
    session = null;
    const acquired = await ensureDevice();
    const opened = await openSession(acquired.device, modelFilesFromPairs(label, files), progress);
    session = opened;
    return { summary: opened.summary(), device: acquired.info };
  },
  calibrate: ({ text, opts }, progress) => needSession().calibrate(text, opts, progress),
  plan: (req) => needSession().planSummary(req),
  evaluate: ({ req, text, opts }, progress) => needSession().evaluate(req, text, opts, progress),
  latency: ({ req }) => needSession().latency(req),
  generate: ({ req, prompt, maxNewTokens }) => needSession().generate(req, prompt, maxNewTokens),
  sweep: ({ targetParams, heldOut, opts }, progress) => needSession().sweep(targetParams, heldOut, opts, progress),
  async exportZip({ req }, progress) {
    const s = needSession();
    const folderName = `${s.summary().label.replace(/[^\w.-]+/g, '_') || 'model'}-compact/`;
    const out = createZipOutput(folderName);
    const summary = await s.exportPruned(req, out.folder, progress);
    return { summary, zip: await out.finish() };
  },
  async exportDir({ req, dir }, progress) {
    return { summary: await needSession().exportPruned(req, directoryOutput(dir), progress) };
  },
  close() {
    session?.dispose();
    session = null;
    return null;
  },
};

// GPU work runs one call at a time; 'plan' is pure CPU arithmetic and may overtake the queue.
let queue: Promise<unknown> = Promise.resolve();

async function run(msg: RequestMessage): Promise<void> {
  const progress = (p: Progress) => post({ kind: 'progress', id: msg.id, progress: p });
  try {
    const handler = handlers[msg.call] as Handler<CallName>;
    const result = await handler(msg.args as never, progress);
    post({ kind: 'result', id: msg.id, result });
  } catch (err) {
    const typed = (err as { workerError?: WorkerError } | null)?.workerError;
    post({ kind: 'error', id: msg.id, error: typed ?? toWorkerError(err) });
  }
}

self.onmessage = (ev: MessageEvent<RequestMessage>) => {
  const msg = ev.data;
  if (msg?.kind !== 'request') return;
  if (msg.call === 'plan') {
    void run(msg);
    return;
  }
  queue = queue.then(() => run(msg));
};
