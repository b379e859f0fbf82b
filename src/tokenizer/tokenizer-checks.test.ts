// Tokenizer files a download or a hand edit could break: every failure names the file
// (tokenizer.json / tokenizer_config.json, or the config naming a token id) and says how to fix
// it; nothing surfaces as a bare library Error or TypeError, and no id is trusted before it is
// checked against the model's embedding rows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { checkTokenIds } from './id-checks';
import { TextTokenizer } from './text-tokenizer';

type Json = Record<string, any>;
const STORIES = path.resolve(import.meta.dirname, '../../fixtures/stories260K');
const read = (name: string): Json => JSON.parse(readFileSync(path.join(STORIES, name), 'utf8'));
const TOKENIZER = read('tokenizer.json');
const TOKENIZER_CONFIG = read('tokenizer_config.json');
const CONFIG = read('config.json');
const GENERATION = read('generation_config.json');

const edit = (f: (t: Json) => void, base: Json = TOKENIZER): Json => {
  const t = structuredClone(base);
  f(t);
  return t;
};

/** The error a construction throws: a ModelFileError naming `file`, matching `pattern`, with a fix. */
function refusal(build: () => unknown, file: string, pattern: RegExp): ModelFileError {
  const t0 = performance.now();
  let err: unknown;
  try {
    build();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a ModelFileError for ${file}, got ${String(err)}`).toBeInstanceOf(ModelFileError);
  const e = err as ModelFileError;
  expect(e.file).toBe(file);
  expect(e.message).toMatch(pattern);
  expect(e.fix).toMatch(/\w{4}/);
  expect(performance.now() - t0).toBeLessThan(2000); // never a hang
  return e;
}

const build = (json: unknown, config: unknown = TOKENIZER_CONFIG) => () => TextTokenizer.fromJson(json as object, config as object);

describe('tokenizer.json structure', () => {
  it('accepts the real file', () => {
    expect(TextTokenizer.fromJson(TOKENIZER, TOKENIZER_CONFIG).vocabSize).toBe(512);
  });

  it('model, vocab and merges that are missing or garbage', () => {
    refusal(build(null), 'tokenizer.json', /is null, not a JSON object/);
    refusal(build(edit((t) => delete t.model)), 'tokenizer.json', /has no "model" object/);
    refusal(build(edit((t) => (t.model.vocab = null))), 'tokenizer.json', /model\.vocab is null/);
    refusal(build(edit((t) => (t.model.vocab = {}))), 'tokenizer.json', /model\.vocab is empty/);
    for (const type of ['Magic', 'WordLevel', undefined]) {
      let err: unknown;
      try {
        build(edit((t) => (t.model.type = type)))();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsupportedModelError);
      expect((err as UnsupportedModelError).file).toBe('tokenizer.json');
      expect((err as Error).message).toMatch(/model\.type .* is not one of BPE, Unigram, WordPiece/);
    }
    refusal(build(edit((t) => delete t.model.merges)), 'tokenizer.json', /model\.merges is missing/);
    refusal(build(edit((t) => (t.model.merges = 5))), 'tokenizer.json', /model\.merges is 5, not a list/);
    refusal(build(edit((t) => (t.model.merges = ['nospace']))), 'tokenizer.json', /model\.merges\[0\] "nospace" is not a pair/);
    refusal(build(edit((t) => (t.model.merges = [['▁', 'zz']]))), 'tokenizer.json', /model\.merges\[0\] uses "zz", which is not in model\.vocab/);
    refusal(build(edit((t) => (t.model.merges = [[1, 2]]))), 'tokenizer.json', /model\.merges\[0\] .* is not a pair/);
  });

  it('ids that are not whole non-negative numbers, duplicates, and absurd ids', () => {
    for (const bad of [-1, 1.5, '7', null, true]) {
      refusal(build(edit((t) => (t.model.vocab.e = bad))), 'tokenizer.json', /model\.vocab\["e"\] .* is not a token id \(a whole number >= 0\)/);
    }
    const dup = refusal(build(edit((t) => (t.model.vocab.e = t.model.vocab.t))), 'tokenizer.json', /tokens "[te]" and "[te]" both have id \d+/);
    console.log(dup.message);
    for (const huge of [1e9, 2 ** 31, 2 ** 32 - 2]) {
      refusal(build(edit((t) => (t.model.vocab.e = huge))), 'tokenizer.json', /id \d+ is larger than any vocabulary/);
    }
  });

  it('added_tokens of null, {}, [null], content 5, id -1', () => {
    refusal(build(edit((t) => (t.added_tokens = null))), 'tokenizer.json', /added_tokens is null, not a list/);
    refusal(build(edit((t) => (t.added_tokens = {}))), 'tokenizer.json', /added_tokens is \{\}, not a list/);
    refusal(build(edit((t) => (t.added_tokens = [null]))), 'tokenizer.json', /added_tokens\[0\] is null, not an object/);
    refusal(build(edit((t) => (t.added_tokens[0].content = 5))), 'tokenizer.json', /added_tokens\[0\]\.content 5 is not a string/);
    refusal(build(edit((t) => (t.added_tokens[1].id = -1))), 'tokenizer.json', /added_tokens\[1\]\.id -1 is not a token id/);
    refusal(build(edit((t) => (t.added_tokens[1].id = 0))), 'tokenizer.json', /added_tokens\[0\] and added_tokens\[1\] both have id 0/);
    // absent added_tokens is fine (the library needs the list: we pass [])
    expect(TextTokenizer.fromJson(edit((t) => delete t.added_tokens), TOKENIZER_CONFIG).encode('Once upon a time').length).toBeGreaterThan(0);
  });

  it('components that are not objects, and what only the library notices (a bad regex)', () => {
    refusal(build(edit((t) => (t.normalizer = 'lowercase'))), 'tokenizer.json', /normalizer is "lowercase", not an object or null/);
    refusal(build(edit((t) => (t.decoder.decoders = 'x'))), 'tokenizer.json', /decoder\.decoders is "x", not a list/);
    refusal(build(edit((t) => (t.decoder.decoders = [null]))), 'tokenizer.json', /decoder\.decoders\[0\] is null, not an object/);
    const regex = refusal(
      build(edit((t) => (t.pre_tokenizer = { type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated', invert: false }))),
      'tokenizer.json',
      /the tokenizer library cannot build it/,
    );
    console.log(regex.message);
    // nesting built in memory (a file this deep is refused when read): bounded, no stack overflow
    let deep: Json = { type: 'Lowercase' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'Sequence', normalizers: [deep] };
    refusal(build(edit((t) => (t.normalizer = deep))), 'tokenizer.json', /normalizer nests deeper than/);
  });
});

describe('tokenizer.json checks the fuzz suite asked for', () => {
  it('a post-processor template the Rust library would not read', () => {
    refusal(build(edit((t) => (t.post_processor.single[1] = {}))), 'tokenizer.json', /post_processor\.single\[1\] is \{\}, not \{"SpecialToken"/);
    refusal(build(edit((t) => (t.post_processor.single[1].Sequence.id = null))), 'tokenizer.json', /post_processor\.single\[1\] id null is not "A" or "B"/);
    refusal(build(edit((t) => (t.post_processor.special_tokens['<s>'].ids = [1.5]))), 'tokenizer.json', /special_tokens\["<s>"\]\.ids\[0\] 1\.5 is not a token id/);
  });

  it('byte fallback with a byte token missing (pruning could no longer spell every text)', () => {
    refusal(build(edit((t) => delete t.model.vocab['<0x3F>'])), 'tokenizer.json', /byte_fallback is true but 1 of the 256 byte tokens are missing from model\.vocab \(e\.g\. <0x3F>\)/);
  });

  it('a tokenizer that encodes text to nothing', () => {
    const e = refusal(build(edit((t) => (t.normalizer = { type: 'Replace', pattern: { Regex: '[\\s\\S]' }, content: '' }))), 'tokenizer.json', /encodes text to no tokens/);
    console.log(e.message);
  });
});

describe('tokenizer_config.json structure', () => {
  it('a list, a string for additional_special_tokens, bad special tokens', () => {
    refusal(build(TOKENIZER, []), 'tokenizer_config.json', /is \[\], not a JSON object/);
    refusal(build(TOKENIZER, { ...TOKENIZER_CONFIG, additional_special_tokens: 'x' }), 'tokenizer_config.json', /additional_special_tokens is "x", not a list/);
    refusal(build(TOKENIZER, { ...TOKENIZER_CONFIG, additional_special_tokens: [5] }), 'tokenizer_config.json', /additional_special_tokens\[0\] is 5/);
    refusal(build(TOKENIZER, { ...TOKENIZER_CONFIG, eos_token: 2 }), 'tokenizer_config.json', /eos_token is 2, not a token string/);
    refusal(build(TOKENIZER, { ...TOKENIZER_CONFIG, added_tokens_decoder: { x: { content: 'a' } } }), 'tokenizer_config.json', /added_tokens_decoder key "x" is not a token id/);
    expect(TextTokenizer.fromJson(TOKENIZER, { ...TOKENIZER_CONFIG, additional_special_tokens: ['<s>', { content: '</s>' }] }).vocabSize).toBe(512);
  });
});

describe('token ids against the model', () => {
  const files = (over: Partial<{ tokenizerJson: Json; tokenizerConfig: Json; config: Json; generationConfig: Json }> = {}) => ({
    tokenizerJson: TOKENIZER, tokenizerConfig: TOKENIZER_CONFIG, config: CONFIG, generationConfig: GENERATION, ...over,
  });
  const check = (over: Parameters<typeof files>[0]) => () => checkTokenIds(files(over) as never, 512);

  it('the real files pass', () => {
    expect(() => checkTokenIds(files() as never, 512)).not.toThrow();
  });

  it('a vocab entry past the embedding rows', () => {
    const e = refusal(check({ tokenizerJson: edit((t) => (t.model.vocab.e = 600)) }), 'tokenizer.json', /token "e" has id 600, but the model has 512 embedding rows/);
    console.log(e.message);
    refusal(check({ tokenizerJson: edit((t) => t.added_tokens.push({ id: 700, content: '<x>', special: true })) }), 'tokenizer.json', /added token "<x>" has id 700, but the model has 512/);
    refusal(check({ tokenizerJson: edit((t) => (t.post_processor.special_tokens['<s>'].ids = [999])) }), 'tokenizer.json', /post_processor .* id 999, but the model has 512/);
  });

  it('special ids in config.json and generation_config.json', () => {
    const bos = refusal(check({ config: { ...CONFIG, bos_token_id: 600 } }), 'config.json', /config\.json: bos_token_id 600 is not below the vocabulary size 512/);
    console.log(bos.message);
    refusal(check({ generationConfig: { ...GENERATION, eos_token_id: [2, 600] } }), 'generation_config.json', /eos_token_id \[2, 600\]: 600 is not below the vocabulary size 512/);
    refusal(check({ generationConfig: { ...GENERATION, pad_token_id: -1 } }), 'generation_config.json', /pad_token_id -1 is not a token id/);
    refusal(check({ config: { ...CONFIG, eos_token_id: '2' } }), 'config.json', /eos_token_id "2" is not a token id/);
    refusal(check({ config: { ...CONFIG, text_config: { pad_token_id: 9999 } } }), 'config.json', /text_config\.pad_token_id 9999/);
    refusal(check({ tokenizerConfig: { ...TOKENIZER_CONFIG, added_tokens_decoder: { '512': { content: '<x>' } } } }), 'tokenizer_config.json', /added_tokens_decoder id 512 is not below the vocabulary size 512/);
    expect(() => checkTokenIds(files({ config: { ...CONFIG, pad_token_id: null } }) as never, 512)).not.toThrow();
  });
});
