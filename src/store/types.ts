// The studio store's shape: plain serialisable data, one slice per panel, and the actions.
// GPU objects, Files and Blobs never enter the state.
import type { DeviceInfo } from '../gpu/device';
import type {
  CalibrationSummary, ComputeMode, EvalOptions, EvalResult, ExportSummary, GpuMemory, LatencyResult, ModelSummary, PlanSummary,
  Progress, PruneRequest, SweepPoint,
} from '../engine/types';
import type { DroppedFile, SelectionOptions, WorkerError } from '../worker/protocol';
import type { Settings } from './settings';

export type Status = 'idle' | 'running' | 'done' | 'failed';

/** The long operations a user can cancel. */
export type LongOperation = 'calibrate' | 'preview' | 'sweep' | 'export';

export interface ProgressState extends Progress {
  startedAt: number;
  at: number;
}

export interface ModelState {
  status: 'empty' | 'loading' | 'ready' | 'lost';
  label: string | null;
  summary: ModelSummary | null;
  device: DeviceInfo | null;
  fileCount: number;
  /** Why the model is being opened again (e.g. a new GPU memory budget); null for a fresh drop. */
  reopenNote: string | null;
}

/** What one calibration pass ran on: a change to any of these needs a new pass. */
export interface CalibrationRun {
  samples: number;
  sampleTokens: number;
  textName: string;
  /** 'built-in', or the uploaded text's name, length and hash. */
  textKey: string;
}

export interface CalibrationState {
  status: Status;
  progress: ProgressState | null;
  result: CalibrationSummary | null;
  /** The chosen calibration text (not yet necessarily calibrated on). */
  textName: string;
  textChars: number;
  textKey: string;
  /** What the engine's current calibration ran on (null before one finished). */
  ranWith: CalibrationRun | null;
  /** Vocabulary order, criterion and closure the engine uses now (null before a calibration). */
  engineOptions: SelectionOptions | null;
  /** Counts finished calibrations: preview and sweep remember the one they used. */
  run: number;
}

export interface SweepState {
  status: Status;
  progress: ProgressState | null;
  targetParams: number | null;
  points: SweepPoint[];
  best: SweepPoint | null;
  /** The compute mode the sweep's evaluations ran in. */
  mode: ComputeMode | null;
  forOptions: SelectionOptions | null;
  forCalibration: number;
}

/** One side of the preview; each measure lands as soon as it is ready. */
export interface SideResult {
  eval: EvalResult | null;
  latency: LatencyResult | null;
  /** The continuation so far (it streams in token by token); null before it starts. */
  continuation: string | null;
  continuationDone: boolean;
  /** Weight bytes on the GPU (PlanSummary.gpuBytes). */
  weightBytes: number;
  params: number;
  /** Measures not taken, with why (e.g. they need the whole model resident). */
  skipped: { latency?: string; decode?: string; continuation?: string };
}

export interface PreviewState {
  status: Status;
  step: string;
  /** Progress of the step (held-out windows, speed runs, generated tokens). */
  progress: ProgressState | null;
  /** What the shown numbers are for (set when a preview starts). */
  forRequest: PruneRequest | null;
  forOptions: SelectionOptions | null;
  forCalibration: number;
  evalOptions: EvalOptions | null;
  prompt: string;
  maxNewTokens: number;
  original: SideResult | null;
  pruned: SideResult | null;
  /** GPU memory the engine held after the preview model was built, and the peak while previewing. */
  memory: GpuMemory | null;
}

export interface ExportState {
  status: Status;
  progress: ProgressState | null;
  summary: ExportSummary | null;
  fileName: string | null;
}

export interface StudioData {
  settings: Settings;
  model: ModelState;
  load: ProgressState | null;
  calibration: CalibrationState;
  plan: { original: PlanSummary | null; current: PlanSummary | null };
  sweep: SweepState;
  preview: PreviewState;
  exported: ExportState;
  /** A cancel was asked for and the worker has not answered yet. */
  cancelling: boolean;
  /** The last operation the user cancelled, with a short note; cleared when a long call starts. */
  cancelled: { operation: LongOperation; note: string } | null;
  error: WorkerError | null;
}

/** Where an export goes: a picked folder, a picked .zip file, or (none) a .zip Blob to download. */
export type ExportTarget = { dir: FileSystemDirectoryHandle } | { zipFile: FileSystemFileHandle };

export type BudgetResult = { ok: true; reopening: boolean } | { ok: false; message: string };

export interface StudioActions {
  /** Checks WebGPU in the worker at start-up; a failure becomes the page's error. */
  probeGpu(): Promise<void>;
  loadModel(label: string, files: DroppedFile[]): Promise<void>;
  reloadModel(): Promise<void>;
  /**
   * Sets the GPU memory budget ("2GiB", "512 MiB"; empty: the engine's default). Invalid text
   * is refused with a message and changes nothing; a loaded model is opened again under it.
   */
  setGpuBudget(text: string): BudgetResult;
  updateSettings(patch: Partial<Omit<Settings, 'calibration' | 'eval' | 'sliders' | 'gpuMemory'>>): void;
  /** Order, criterion and closure apply to a calibrated engine at once; samples and tokens need a new pass. */
  updateCalibration(patch: Partial<Settings['calibration']>): Promise<void>;
  updateEval(patch: Partial<Settings['eval']>): void;
  useCustomText(name: string, content: string): void;
  useDefaultText(): void;
  calibrate(): Promise<void>;
  setSliders(patch: Partial<PruneRequest>): Promise<void>;
  findBestSplit(): Promise<void>;
  runPreview(): Promise<void>;
  /** No target: resolves to the .zip for the UI to download. A folder or picked file: writes there. */
  exportModel(target?: ExportTarget): Promise<{ zip: Blob; fileName: string } | null>;
  /**
   * Stops the running long call (calibrate, preview, sweep, export). Its panel returns to idle
   * with a "Cancelled" note; settings, the loaded model and the last calibration stay.
   */
  cancel(): void;
  reportError(e: WorkerError): void;
  dismissError(): void;
}

export type StudioState = StudioData & StudioActions;
