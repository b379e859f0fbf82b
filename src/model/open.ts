// Opens a model folder: config -> ModelSpec, checkpoint headers checked against the
// weight table, weights streamed to the GPU.
import type { Gpu } from '../gpu/context';
import { openCheckpoint, type Checkpoint } from '../io/checkpoint';
import { readJsonFile } from '../io/json-files';
import type { ModelFiles } from '../io/source';
import type { ProgressFn } from '../io/progress';
import { parseModelSpec } from './spec';
import { checkWeights } from './weights';
import { uploadWeights, type UploadOptions } from './load';
import { uploadRope, type LoadedModel } from './forward';

type Json = Record<string, unknown>;

export interface OpenedModel {
  ckpt: Checkpoint;
  model: LoadedModel;
  config: Json;
  generationConfig?: Json;
}

export async function openModel(gpu: Gpu, files: ModelFiles, onProgress?: ProgressFn, opts: UploadOptions = {}): Promise<OpenedModel> {
  const config = (await readJsonFile(files, 'config.json', true)) as Json;
  const generationConfig = (await readJsonFile(files, 'generation_config.json', false)) as Json | undefined;
  const spec = parseModelSpec(config, generationConfig);
  const ckpt = await openCheckpoint(files);
  checkWeights(spec, ckpt.entries);
  const weights = await uploadWeights(gpu, spec, ckpt, onProgress, opts);
  const model: LoadedModel = {
    spec,
    weights,
    intermediate: spec.intermediate,
    vocabSize: spec.vocabSize,
    invFreqFull: uploadRope(gpu, spec.ropeFull, 'inv_freq full'),
    invFreqSliding: uploadRope(gpu, spec.ropeSliding, 'inv_freq sliding'),
  };
  return { ckpt, model, config, generationConfig };
}
