// Typed messages between the UI thread (client.ts) and the engine worker (engine.worker.ts).
// Every request carries an id; the worker answers with progress events, then exactly one
// result, error or 'cancelled' for that id. 'device-lost' is unsolicited (id-less).
// A 'cancel' message asks the worker to stop request `id`: a queued request never starts, a
// running one stops at its next progress report (between GPU batches) and answers 'cancelled'.
import type { DeviceInfo } from '../gpu/device';
import type { FolderFile } from '../io/browser-files';
import type {
  CalibrationOptions, CalibrationSummary, EvalOptions, EvalResult, ExportSummary, LatencyResult,
  GpuMemory, ModelSummary, PlanSummary, Progress, PruneRequest, SweepResult,
} from '../engine/types';

/** The calibration options a calibrated session can switch without a new pass (setOptions). */
export type { SelectionOptions } from '../engine/types';
import type { SelectionOptions } from '../engine/types';

/** A File with its path relative to the model folder ('/'-separated). Structured-cloneable. */
export type DroppedFile = FolderFile;

/** Every call the worker answers: its arguments and its result. */
export interface Calls {
  /** Acquires the GPU device early so a missing or unusable adapter is reported before any drop. */
  probe: { args: Record<string, never>; result: DeviceInfo };
  /** gpuMemoryBytes: the studio's GPU memory setting (undefined: the engine's default). */
  open: { args: { label: string; files: DroppedFile[]; gpuMemoryBytes?: number }; result: { summary: ModelSummary; device: DeviceInfo } };
  calibrate: { args: { text: string; opts: CalibrationOptions }; result: CalibrationSummary };
  /** Switches vocabulary order, FFN criterion and merge closure after calibrating, without a new pass. */
  setOptions: { args: SelectionOptions; result: null };
  plan: { args: PruneRequest; result: PlanSummary };
  evaluate: { args: { req: PruneRequest | null; text: string; opts: EvalOptions }; result: EvalResult };
  /** Progress events (phase 'latency') come between timed runs, so a cancel stops it there. */
  latency: { args: { req: PruneRequest | null }; result: LatencyResult };
  /** Progress events (phase 'generate') carry the continuation so far in `text`. */
  generate: { args: { req: PruneRequest | null; prompt: string; maxNewTokens: number }; result: string };
  sweep: { args: { targetParams: number; heldOut: string; opts: EvalOptions }; result: SweepResult };
  /** GPU memory the engine holds now and its peak since the last call. */
  memory: { args: Record<string, never>; result: GpuMemory };
  /** Streams the pruned folder into a .zip in the worker; the Blob (spilled in parts) comes back. */
  exportZip: { args: { req: PruneRequest }; result: { summary: ExportSummary; zip: Blob } };
  /** Streams the .zip straight into a file the user picked (showSaveFilePicker); removed on failure or cancel. */
  exportZipFile: { args: { req: PruneRequest; file: FileSystemFileHandle }; result: { summary: ExportSummary } };
  /** Writes the pruned folder into a new subfolder (`folder`, named by exportName) of a directory the user
   *  picked (showDirectoryPicker); existing files are never touched, a failed export leaves nothing. */
  exportDir: { args: { req: PruneRequest; dir: FileSystemDirectoryHandle }; result: { summary: ExportSummary; folder: string } };
  close: { args: Record<string, never>; result: null };
}
export type CallName = keyof Calls;
export type CallArgs<K extends CallName> = Calls[K]['args'];
export type CallResult<K extends CallName> = Calls[K]['result'];

export type CallMessage = { [K in CallName]: { kind: 'request'; id: number; call: K; args: CallArgs<K> } }[CallName];
export interface CancelMessage {
  kind: 'cancel';
  /** The request to stop. */
  id: number;
}
export type RequestMessage = CallMessage | CancelMessage;

/** Why a call failed, in words a user can act on. */
export type ErrorKind = 'no-webgpu' | 'adapter' | 'file' | 'unsupported' | 'device-lost' | 'no-model' | 'engine';
export interface WorkerError {
  kind: ErrorKind;
  /** What went wrong. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** The model file at fault, when there is one. */
  file?: string;
}

export type ResponseMessage =
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: WorkerError }
  /** The call stopped because it was cancelled; whatever it had allocated is freed. */
  | { kind: 'cancelled'; id: number }
  | { kind: 'device-lost'; error: WorkerError };

/** Name of an exported model: the zip's folder and its download share it ("<label>-compact"). */
export function exportName(label: string): string {
  return `${label.replace(/[^\w.-]+/g, '_') || 'model'}-compact`;
}
