// Plain serialisable data exchanged between the engine and its callers (worker protocol, CLI, UI store).

import type { ParamBreakdown } from '../prune/params';
export type { ParamBreakdown } from '../prune/params';
export type { EvalResult } from '../eval/windows';

export interface ModelSummary {
  label: string;
  family: string;
  modelType: string;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  intermediate: number;
  tiedEmbeddings: boolean;
  dtypes: string[]; // distinct tensor dtypes in the checkpoint
  files: { name: string; size: number }[];
  params: ParamBreakdown;
  /** bytes of the weights on disk (source dtype). */
  weightBytes: number;
  /** where the weights live during passes, chosen from the GPU memory budget at open. */
  placement: Placement;
}

/**
 * Resident: every weight stays on the GPU (in its stored dtype) for the whole session.
 * Streamed: passes run layer by layer, one decoder layer's weights uploaded at a time from
 * the files, the embedding and LM head in row chunks; hidden states stay on the GPU.
 */
export type PlacementMode = 'resident' | 'streamed';

export interface Placement {
  mode: PlacementMode;
  /** the GPU memory budget the choice was made under (bytes). */
  budgetBytes: number;
  /** where the budget came from, e.g. "--gpu-memory 4GiB", "the studio setting", "default: 75% of maxBufferSize". */
  budgetSource: string;
  /** weights in their stored dtype (what a resident session keeps on the GPU). */
  weightBytes: number;
  /** what a resident session needs: weights + a calibration batch's activations + a decode cache. */
  residentNeedBytes: number;
  /** the most a streamed pass holds at once (two layers' weights, one vocab chunk, activations). */
  streamedNeedBytes: number;
  /** one sentence: why this mode. */
  reason: string;
  /** what needs the whole model resident and is not offered in this mode (empty when resident). */
  unavailable: string[];
}

/** Exact: f32 math over the stored weights (the default; every check against transformers).
 *  Fast: f16 inputs, f32 accumulation on tensor cores (subgroup matrices), where the adapter has them
 *  and the weights are 16-bit (matmuls over f32 weights stay exact: f16 would round them). */
export type ComputeMode = 'exact' | 'fast';

/** GPU memory held by the engine's buffers (bytes). */
export interface GpuMemory {
  allocatedBytes: number;
  peakBytes: number;
}

export type VocabOrder = 'id' | 'frequency' | 'predicted';
export type CountSpan = 'text' | 'windows';
export type { Criterion } from '../prune/ffn-scores';
import type { Criterion } from '../prune/ffn-scores';

export interface CalibrationOptions {
  samples: number; // default 16
  sampleTokens: number; // default 512
  vocabOrder: VocabOrder;
  criterion: Criterion;
  closure: boolean; // merge closure, default true
  /**
   * Which tokens the frequency order counts: 'text' (default) the whole calibration text,
   * 'windows' only the samples x sampleTokens the FFN statistics use (the PyTorch reference's rule).
   */
  countSpan?: CountSpan;
  /** compute mode for the calibration passes and the sweep; 'auto' (default): exact, since fast mode measures slower on the H200. */
  mode?: ComputeMode | 'auto';
}

/** What a calibrated session switches without a new pass (setOptions). countSpan undefined = 'text'. */
export type SelectionOptions = Pick<CalibrationOptions, 'vocabOrder' | 'criterion' | 'closure' | 'countSpan'>;

export interface CalibrationSummary {
  /** tokens in the samples x S windows */
  tokens: number;
  /** tokens in the whole calibration text (the frequency counts) */
  textTokens: number;
  distinctTokens: number;
  ms: number;
  /** the time the tokenizer took over the whole text (its counts rank the vocabulary): part of ms, unless it ran elsewhere beforehand */
  tokenizeMs: number;
  tokensPerSecond: number;
  /** smallest legal vocabulary (special + byte tokens). */
  minVocab: number;
  /** the compute mode that ran, and why (e.g. "fast: subgroup matrices f16->f32" or "exact: no subgroup matrices on this adapter"). */
  mode: ComputeMode;
  modeNote: string;
}

export interface PruneRequest {
  vocabKeep: number; // V'
  ffnKeep: number; // I'
}

export interface PlanSummary extends PruneRequest {
  params: ParamBreakdown;
  /** exported weight bytes in the source dtype. */
  fileBytes: number;
  /** weight bytes of the pruned model in its stored dtype (what its preview adds on the GPU when resident). */
  gpuBytes: number;
  keptByReason: { special: number; byte: number; ranked: number; closure: number };
}

export interface EvalOptions {
  tokens: number; // first N tokens of the text
  seq: number; // window length S
  bos?: boolean; // prepend BOS to every window
}


export interface LatencyResult {
  prefillTokensPerSecond: number;
  /** null when the model runs streamed (decoding needs the whole model on the GPU). */
  decodeMsPerToken: number | null;
  /** how each number was measured */
  note: string;
}

/** One candidate of the automatic allocation (engine/target.ts), measured on the selection text. */
export interface SweepPoint extends PruneRequest {
  params: number;
  /** exported weight bytes (stored dtypes). */
  fileBytes: number;
  /** vocabulary share of the removal asked for. */
  share: number;
  order: VocabOrder;
  /** what frequency order counted ('text' or 'windows'); absent for id order, which counts nothing. */
  countSpan?: CountSpan;
  criterion: Criterion;
  closure: boolean;
  bits_per_byte: number;
  ppl: number;
}

export interface SweepResult {
  points: SweepPoint[];
  /** the lowest bits/byte within the budget (ties: fewer params); null when no candidate fits. */
  best: SweepPoint | null;
  /** the compute mode the sweep's evaluations ran in. */
  mode: ComputeMode;
}

export interface ExportSummary {
  files: { name: string; size: number }[];
  vocabSize: number;
  intermediateSize: number;
  paramsBefore: ParamBreakdown;
  paramsAfter: ParamBreakdown;
  keptByReason: PlanSummary['keptByReason'];
  notes: string[];
}

export type { Progress, ProgressFn } from '../io/progress';
