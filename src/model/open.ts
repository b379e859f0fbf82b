// Opens a model folder: config -> ModelSpec, checkpoint headers checked against the
// weight table (inspectModel, no GPU), then weights streamed to the GPU (uploadModel).
import type { Gpu } from '../gpu/context';
import { openCheckpoint, type Checkpoint } from '../io/checkpoint';
import { readJsonObject } from '../io/json-files';
import type { ModelFiles } from '../io/source';
import type { ProgressFn } from '../io/progress';
import { parseModelSpec } from './spec';
import type { ModelSpec } from './spec-types';
import { checkWeights } from './weights';
import { uploadWeights, type UploadOptions } from './load';
import { uploadRope, type LoadedModel } from './forward';

type Json = Record<string, unknown>;

export interface InspectedModel {
  spec: ModelSpec;
  ckpt: Checkpoint;
  config: Json;
  generationConfig?: Json;
}

export interface OpenedModel extends InspectedModel {
  model: LoadedModel;
}

/** Everything that can be checked without the GPU: config values, headers, shapes against the config. */
export async function inspectModel(files: ModelFiles): Promise<InspectedModel> {
  const config = (await readJsonObject(files, 'config.json', true))!;
  const generationConfig = await readJsonObject(files, 'generation_config.json', false);
  const spec = parseModelSpec(config, generationConfig);
  const ckpt = await openCheckpoint(files);
  checkWeights(spec, ckpt.entries);
  return { spec, ckpt, config, generationConfig };
}

export async function uploadModel(gpu: Gpu, inspected: InspectedModel, onProgress?: ProgressFn, opts: UploadOptions = {}): Promise<OpenedModel> {
  const { spec, ckpt } = inspected;
  const weights = await uploadWeights(gpu, spec, ckpt, onProgress, opts);
  const model: LoadedModel = {
    spec,
    weights,
    intermediate: spec.intermediate,
    vocabSize: spec.vocabSize,
    invFreqFull: uploadRope(gpu, spec.ropeFull, 'inv_freq full'),
    invFreqSliding: uploadRope(gpu, spec.ropeSliding, 'inv_freq sliding'),
  };
  return { ...inspected, model };
}

export async function openModel(gpu: Gpu, files: ModelFiles, onProgress?: ProgressFn, opts: UploadOptions = {}): Promise<OpenedModel> {
  return uploadModel(gpu, await inspectModel(files), onProgress, opts);
}
