// JSON files of a model folder (config.json, generation_config.json, tokenizer files, shard index):
// strict UTF-8, valid JSON, no key given twice, no absurd nesting.

import { ModelFileError } from './errors';
import { checkJsonStructure } from './json-structure';
import { readText, type ModelFiles } from './source';

/** Parsed JSON of `name`; undefined when the file is absent and not required. */
export async function readJsonFile(files: ModelFiles, name: string, required: boolean): Promise<unknown | undefined> {
  const src = files.get(name);
  if (!src) {
    const skipped = files.skipped?.find((s) => s.name === name);
    if (skipped) {
      throw new ModelFileError(name, `is ${skipped.reason}`, `Copy the real ${name} into the model folder (links out of the folder are not followed)`);
    }
    if (!required) return undefined;
    throw new ModelFileError(name, `missing from ${files.label}`, `Add ${name} from the model's Hugging Face repository to the folder`);
  }
  const text = await readText(src);
  const fix = `Download ${name} again or fix its syntax`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(name, `is not valid JSON (${(e as Error).message})`, fix);
  }
  checkJsonStructure(text, name, fix);
  return value;
}

/** Like readJsonFile, but the file must hold a JSON object ({...}). */
export async function readJsonObject(files: ModelFiles, name: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  const value = await readJsonFile(files, name, required);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new ModelFileError(name, `holds ${what}, not a JSON object`, `Download ${name} again from the model's Hugging Face repository`);
  }
  return value as Record<string, unknown>;
}
