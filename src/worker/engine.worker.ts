/// <reference lib="webworker" />
// The engine worker: owns the GPU device and one EngineSession; answers typed requests
// (protocol.ts), reports progress as events, and turns every failure into a WorkerError.
// Dispatch and cancellation live in dispatch.ts: a cancelled request's progress callback
// throws CancelledError, which unwinds the engine call and is answered as 'cancelled'.
import { acquireDevice, type AcquiredDevice } from '../gpu/device';
import { openSession } from '../engine/session';
import type { EngineSessionApi } from '../engine/session-api';
import { createZipOutput } from '../io/zip-output';
import { zipIntoFile, type SaveTarget } from './zip-file';
import { modelFilesFromPairs } from '../io/browser-files';
import { deviceLostError } from './errors';
import { createDispatcher, type Handlers } from './dispatch';
import { exportIntoFreshFolder } from './partial-export';
import { exportName, type RequestMessage, type ResponseMessage, type WorkerError } from './protocol';

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

/** Disposing a session destroys its device: forget it too, so the next open acquires a new one. */
function closeSession(): void {
  if (!session) return;
  session.dispose();
  session = null;
  gpu = null;
}

function needSession(): EngineSessionApi {
  if (!session) {
    const e: WorkerError = { kind: 'no-model', message: 'No model is loaded.', fix: 'Drop a model folder first (or press "Reload model").' };
    throw Object.assign(new Error(e.message), { workerError: e });
  }
  return session;
}

const handlers: Handlers = {
  async probe() {
    return (await ensureDevice()).info;
  },
  async open({ label, files, gpuMemoryBytes }, progress) {
    closeSession();
    const acquired = await ensureDevice();
    const opened = await openSession(acquired.device, modelFilesFromPairs(label, files), {
      gpuMemoryBytes,
      budgetSource: gpuMemoryBytes === undefined ? undefined : 'the studio setting',
      onProgress: progress,
    });
    session = opened;
    return { summary: opened.summary(), device: acquired.info };
  },
  calibrate: ({ text, opts }, progress) => needSession().calibrate(text, opts, progress),
  setOptions(opts) {
    needSession().setOptions(opts);
    return null;
  },
  plan: (req) => needSession().planSummary(req),
  evaluate: ({ req, text, opts }, progress) => needSession().evaluate(req, text, opts, progress),
  latency: ({ req }, progress) => needSession().latency(req, progress),
  generate: ({ req, prompt, maxNewTokens }, progress) => needSession().generate(req, prompt, maxNewTokens, progress),
  memory: () => needSession().memory(),
  sweep: ({ targetParams, heldOut, opts }, progress) => needSession().sweep(targetParams, heldOut, opts, progress),
  async exportZip({ req }, progress) {
    const s = needSession();
    const folderName = `${exportName(s.summary().label)}/`;
    // On cancel or failure the half-built archive is dropped: finish() is never called.
    const out = createZipOutput(folderName);
    try {
      const summary = await s.exportPruned(req, out.folder, progress);
      return { summary, zip: await out.finish() };
    } catch (err) {
      await out.abort(); // drops the spilled parts
      throw err;
    }
  },
  async exportZipFile({ req, file }, progress) {
    const s = needSession();
    const summary = await zipIntoFile(file as unknown as SaveTarget, `${exportName(s.summary().label)}/`, (folder) => s.exportPruned(req, folder, progress));
    return { summary };
  },
  async exportDir({ req, dir }, progress) {
    const s = needSession();
    // A new subfolder of the picked folder; removed whole on failure or cancel.
    const { folder, result } = await exportIntoFreshFolder(dir, exportName(s.summary().label), (out) => s.exportPruned(req, out, progress));
    return { summary: result, folder };
  },
  close() {
    closeSession();
    return null;
  },
};

const dispatch = createDispatcher(handlers, (msg) => post(msg));
self.onmessage = (ev: MessageEvent<RequestMessage>) => dispatch(ev.data);
