// Test helpers: the shared real models and corpora (read-only, ../shared).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TokenizerJson } from './tokenizer-json';

export const SHARED = path.resolve(process.cwd(), '../shared');
export const MODELS = ['stories260K', 'llama-10m', 'qwen2-14m'] as const;
export type SharedModel = (typeof MODELS)[number];
export const CORPORA = { tinystories: 'tinystories-heldout.txt', wikitext2: 'wikitext2-test.raw' } as const;

export interface ModelTokenizerFiles {
  tokenizerJson: TokenizerJson;
  tokenizerConfig: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  config: Record<string, unknown>;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Fresh parsed copies every call (tests may not share mutable JSON). */
export function loadModelFiles(model: SharedModel): ModelTokenizerFiles {
  const dir = path.join(SHARED, 'models', model);
  return {
    tokenizerJson: readJson(path.join(dir, 'tokenizer.json')),
    tokenizerConfig: readJson(path.join(dir, 'tokenizer_config.json')),
    generationConfig: readJson(path.join(dir, 'generation_config.json')),
    config: readJson(path.join(dir, 'config.json')),
  };
}

export function loadReference(model: SharedModel): { results: Record<keyof typeof CORPORA, { ids_first_4096: number[]; total_tokens: number }> } {
  return readJson(path.join(SHARED, 'models', model, 'reference.json'));
}

const corpusCache = new Map<string, string>();
export function loadCorpus(name: keyof typeof CORPORA): string {
  let text = corpusCache.get(name);
  if (text === undefined) {
    text = readFileSync(path.join(SHARED, 'corpora', CORPORA[name]), 'utf8');
    corpusCache.set(name, text);
  }
  return text;
}
