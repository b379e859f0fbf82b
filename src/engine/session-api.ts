// The engine facade both the worker (browser) and the CLI (Node) drive. Implemented in session.ts.
import type { ModelFiles, OutputFolder } from '../io/source';
import type {
  CalibrationOptions, CalibrationSummary, EvalOptions, EvalResult, ExportSummary, LatencyResult,
  GpuMemory, ModelSummary, PlanSummary, ProgressFn, PruneRequest, SelectionOptions, SweepResult,
} from './types';
import type { TargetSearch } from './target';

export interface EngineSessionApi {
  summary(): ModelSummary;
  /** Runs calibration (token counts + FFN scores for every criterion) on the GPU. */
  calibrate(text: CalibrationText, opts: CalibrationOptions, onProgress?: ProgressFn): Promise<CalibrationSummary>;
  /** Switches vocabulary order, FFN criterion and merge closure after calibrate(), without a new pass. */
  setOptions(opts: SelectionOptions): void;
  /** Pure and fast: parameter counts for a (V', I') choice; needs calibrate() for vocab reasons. */
  planSummary(req: PruneRequest): PlanSummary;
  /** null = the original model. Held-out text only. */
  evaluate(req: PruneRequest | null, text: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<EvalResult>;
  /** Prefill and decode speed; progress (phase 'latency') between timed runs, where a caller may stop it. */
  latency(req: PruneRequest | null, onProgress?: ProgressFn): Promise<LatencyResult>;
  /** Greedy continuation; progress events carry the text so far (phase 'generate', `text`). */
  generate(req: PruneRequest | null, prompt: string, maxNewTokens: number, onProgress?: ProgressFn): Promise<string>;
  /** The automatic allocation for a parameter budget: (V', I') splits x vocabulary orders, ranked on heldOut (engine/target.ts). */
  sweep(targetParams: number, heldOut: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<SweepResult>;
  /** The same automatic allocation for any budget (parameters or weight bytes), orders and shares (engine/target.ts). */
  searchTarget(search: TargetSearch, onProgress?: ProgressFn): Promise<SweepResult>;
  /** GPU memory the engine holds now (model, preview, caches) and its peak since the last call. */
  memory(): GpuMemory;
  exportPruned(req: PruneRequest, out: OutputFolder, onProgress?: ProgressFn): Promise<ExportSummary>;
  dispose(): void;
}

export interface OpenOptions {
  /** GPU memory budget in bytes; undefined: the default (a safe share of what the adapter allows). */
  gpuMemoryBytes?: number;
  /** where gpuMemoryBytes came from, for the placement note (e.g. "--gpu-memory 4GiB"). */
  budgetSource?: string;
  onProgress?: ProgressFn;
  /** called once every file is checked, before the weights load: the tokenizer files as parsed
   *  (the CLI starts tokenizing the calibration text on a worker thread here, beside the load). */
  onInspected?: (tokenizer: { tokenizerJson: unknown; tokenizerConfig: unknown }) => void;
}

/** `openSession(device, files, opts)` in session.ts opens a model folder (resident or streamed). */
export type OpenSession = (device: GPUDevice, files: ModelFiles, opts?: OpenOptions) => Promise<EngineSessionApi>;

/** The calibration text, or its ids already made by this model's tokenizer elsewhere (the CLI's
 *  worker thread) with the milliseconds that took. */
export type CalibrationText = string | { ids: ArrayLike<number>; tokenizeMs: number };
