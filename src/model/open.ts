// Opens a model folder: config -> ModelSpec, checkpoint headers checked against the weight
// table (inspectModel, no GPU), then the placement (resident or streamed under the GPU memory
// budget) and, when resident, the weights uploaded in their stored dtype (uploadModel).
import type { Gpu } from '../gpu/context';
import { openCheckpoint, type Checkpoint } from '../io/checkpoint';
import { readJsonObject } from '../io/json-files';
import type { ModelFiles } from '../io/source';
import type { ProgressFn } from '../io/progress';
import { parseModelSpec } from './spec';
import type { ModelSpec } from './spec-types';
import { checkWeights, type WeightRef } from './weights';
import { uploadWeights, type UploadOptions } from './load';
import { uploadRope, type LoadedModel } from './forward';
import { planPlacement, type PlacementPlan } from './placement';
import { residentSource } from './weight-source';
import { StreamedSource } from './streamed-source';

type Json = Record<string, unknown>;

/** What inspectModel checked and read: no GPU involved. */
export interface InspectedModel {
  spec: ModelSpec;
  ckpt: Checkpoint;
  refs: WeightRef[];
  config: Json;
  generationConfig?: Json;
}

export interface OpenedModel {
  ckpt: Checkpoint;
  model: LoadedModel;
  config: Json;
  generationConfig?: Json;
  plan: PlacementPlan;
}

export interface OpenModelOptions extends UploadOptions {
  /** GPU memory budget in bytes (default: unlimited, i.e. resident). */
  budgetBytes?: number;
  /** force a mode regardless of the budget (tests compare the two). */
  mode?: 'resident' | 'streamed';
}

/** Everything that can be checked without the GPU: config values, headers, shapes against the config. */
export async function inspectModel(files: ModelFiles): Promise<InspectedModel> {
  const config = (await readJsonObject(files, 'config.json', true))!;
  const generationConfig = await readJsonObject(files, 'generation_config.json', false);
  const spec = parseModelSpec(config, generationConfig);
  const ckpt = await openCheckpoint(files);
  const refs = checkWeights(spec, ckpt.entries);
  return { spec, ckpt, refs, config, generationConfig };
}

/** The placement for the budget, then the weights on the GPU (resident) or a streamed source. */
export async function uploadModel(gpu: Gpu, inspected: InspectedModel, onProgress?: ProgressFn, opts: OpenModelOptions = {}): Promise<OpenedModel> {
  const { spec, ckpt, refs, config, generationConfig } = inspected;
  const planned = planPlacement(gpu, spec, ckpt, refs, opts.budgetBytes ?? Infinity);
  const plan: PlacementPlan = opts.mode && opts.mode !== planned.mode ? { ...planned, mode: opts.mode, reason: `${opts.mode} (forced)` } : planned;
  if (plan.mode === 'streamed' && !Number.isFinite(plan.activationBytes)) plan.activationBytes = 2 ** 31;
  const source =
    plan.mode === 'resident'
      ? residentSource(gpu, await uploadWeights(gpu, spec, ckpt, onProgress, opts), plan.weightBytes)
      : await new StreamedSource(gpu, spec, ckpt, { vocabChunkRows: opts.maxVocabRowsPerChunk ?? plan.vocabChunkRows }).init();
  const model: LoadedModel = {
    spec,
    source,
    intermediate: spec.intermediate,
    vocabSize: spec.vocabSize,
    invFreqFull: uploadRope(gpu, spec.ropeFull, 'inv_freq full'),
    invFreqSliding: uploadRope(gpu, spec.ropeSliding, 'inv_freq sliding'),
  };
  return { ckpt, model, config, generationConfig, plan };
}

export async function openModel(gpu: Gpu, files: ModelFiles, onProgress?: ProgressFn, opts: OpenModelOptions = {}): Promise<OpenedModel> {
  return uploadModel(gpu, await inspectModel(files), onProgress, opts);
}
