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
}

export type VocabOrder = 'id' | 'frequency';
export type Criterion = 'common-act2' | 'act2' | 'magnitude';

export interface CalibrationOptions {
  samples: number; // default 16
  sampleTokens: number; // default 512
  vocabOrder: VocabOrder;
  criterion: Criterion;
  closure: boolean; // merge closure, default true
}

export interface CalibrationSummary {
  tokens: number;
  distinctTokens: number;
  ms: number;
  tokensPerSecond: number;
  /** smallest legal vocabulary (special + byte tokens). */
  minVocab: number;
}

export interface PruneRequest {
  vocabKeep: number; // V'
  ffnKeep: number; // I'
}

export interface PlanSummary extends PruneRequest {
  params: ParamBreakdown;
  /** exported weight bytes in the source dtype. */
  fileBytes: number;
  /** f32 weights resident on the GPU for preview. */
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
  decodeMsPerToken: number;
}

export interface SweepPoint extends PruneRequest {
  params: number;
  bits_per_byte: number;
  ppl: number;
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
