// The engine facade both the worker (browser) and the CLI (Node) drive. Implemented in session.ts.
import type { ModelFiles, OutputFolder } from '../io/source';
import type {
  CalibrationOptions, CalibrationSummary, EvalOptions, EvalResult, ExportSummary, LatencyResult,
  ModelSummary, PlanSummary, ProgressFn, PruneRequest, SweepPoint,
} from './types';

export interface EngineSessionApi {
  summary(): ModelSummary;
  /** Runs calibration (token counts + FFN scores for every criterion) on the GPU. */
  calibrate(text: string, opts: CalibrationOptions, onProgress?: ProgressFn): Promise<CalibrationSummary>;
  /** Pure and fast: parameter counts for a (V', I') choice; needs calibrate() for vocab reasons. */
  planSummary(req: PruneRequest): PlanSummary;
  /** null = the original model. Held-out text only. */
  evaluate(req: PruneRequest | null, text: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<EvalResult>;
  latency(req: PruneRequest | null): Promise<LatencyResult>;
  generate(req: PruneRequest | null, prompt: string, maxNewTokens: number): Promise<string>;
  /** (V', I') pairs with total params <= targetParams, each evaluated on heldOut. */
  sweep(targetParams: number, heldOut: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<SweepPoint[]>;
  exportPruned(req: PruneRequest, out: OutputFolder, onProgress?: ProgressFn): Promise<ExportSummary>;
  dispose(): void;
}

/** `openSession(device, files, onProgress)` in session.ts loads a model folder onto the GPU. */
export type OpenSession = (device: GPUDevice, files: ModelFiles, onProgress?: ProgressFn) => Promise<EngineSessionApi>;
