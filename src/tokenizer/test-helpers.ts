// Test helpers: the real tokenizers in fixtures/ (read-only) and their reference ids.
// stories260K is a whole model (fixtures/stories260K); the others are tokenizer folders
// (fixtures/tokenizers/NAME: tokenizer files + the configs of the model they came with).
import path from 'node:path';
import { CORPORA, loadCorpus, readFixtureJson, STORIES260K, tokenizerFixtureDir } from '../testing/fixtures';
import type { TokenizerJson } from './tokenizer-json';

export { CORPORA, loadCorpus };
export const MODELS = ['stories260K', 'llama-10m', 'qwen2-14m', 'gemma-style'] as const;
export type FixtureModel = (typeof MODELS)[number];

export interface ModelTokenizerFiles {
  tokenizerJson: TokenizerJson;
  tokenizerConfig: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  config: Record<string, unknown>;
}

export const fixtureModelDir = (model: FixtureModel): string => (model === 'stories260K' ? STORIES260K : tokenizerFixtureDir(model));

const readJson = (dir: string, file: string) => readFixtureJson(path.join(dir, file)) as never;

/** Fresh parsed copies every call (tests may not share mutable JSON). */
export function loadModelFiles(model: FixtureModel): ModelTokenizerFiles {
  const dir = fixtureModelDir(model);
  return {
    tokenizerJson: readJson(dir, 'tokenizer.json'),
    tokenizerConfig: readJson(dir, 'tokenizer_config.json'),
    generationConfig: readJson(dir, 'generation_config.json'),
    config: readJson(dir, 'config.json'),
  };
}

/** Reference tokenization of the corpora (the Python `tokenizers` library; Rust `tokenizers` for gemma-style). */
export function loadReference(model: FixtureModel): { results: Record<keyof typeof CORPORA, { ids_first_4096: number[]; total_tokens: number }> } {
  const dir = fixtureModelDir(model);
  return readJson(dir, model === 'stories260K' ? 'reference.json' : 'tokenizer-reference.json');
}
