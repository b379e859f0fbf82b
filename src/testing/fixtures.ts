// Where the tests' data lives: everything under fixtures/ in this repository (no
// ../shared). fixtures/README.md lists each fixture with its source and license.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

/** Karpathy's stories260K (tinyllamas, MIT) in Hugging Face format, with transformers' reference.json. */
export const STORIES260K = path.join(FIXTURES, 'stories260K');
/** Tiny random models of every family with transformers goldens (scripts/py/make_goldens.py). */
export const GOLDENS = path.join(FIXTURES, 'goldens');

/** Real tokenizers (tokenizer.json + configs of the model they came with; no weights). */
export const TOKENIZER_FIXTURES = ['llama-10m', 'qwen2-14m', 'gemma-style'] as const;
export type TokenizerFixture = (typeof TOKENIZER_FIXTURES)[number];
export const tokenizerFixtureDir = (name: TokenizerFixture): string => path.join(FIXTURES, 'tokenizers', name);

/** Held-out texts: TinyStories validation (CDLA-Sharing-1.0) and WikiText-2 test (CC BY-SA 3.0). */
export const CORPORA = { tinystories: 'tinystories-heldout.txt', wikitext2: 'wikitext2-test.raw' } as const;
export type CorpusName = keyof typeof CORPORA;
export const corpusPath = (name: CorpusName): string => path.join(FIXTURES, 'corpora', CORPORA[name]);

/** The PyTorch reference's figures that bench-quality compares against (bench/reference/). */
export const BENCH_REFERENCE = path.resolve(import.meta.dirname, '../../bench/reference');

export const readFixtureJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

const corpusCache = new Map<CorpusName, string>();
export function loadCorpus(name: CorpusName): string {
  let text = corpusCache.get(name);
  if (text === undefined) {
    text = readFileSync(corpusPath(name), 'utf8');
    corpusCache.set(name, text);
  }
  return text;
}
