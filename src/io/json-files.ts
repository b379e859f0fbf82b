// JSON files of a model folder (config.json, generation_config.json, tokenizer files, shard index).

import { ModelFileError } from './errors';
import { readText, type ModelFiles } from './source';

/** Parsed JSON of `name`; undefined when the file is absent and not required. */
export async function readJsonFile(files: ModelFiles, name: string, required: boolean): Promise<unknown | undefined> {
  const src = files.get(name);
  if (!src) {
    if (!required) return undefined;
    throw new ModelFileError(name, `missing from ${files.label}`, `Add ${name} from the model's Hugging Face repository to the folder`);
  }
  const text = await readText(src);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(name, `is not valid JSON (${(e as Error).message})`, `Download ${name} again or fix its syntax`);
  }
}
