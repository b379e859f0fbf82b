// Structure checks of tokenizer.json and tokenizer_config.json before anything reads them:
// the parts this tool and @huggingface/tokenizers rely on must have the types the Rust
// `tokenizers` library would accept, every id a whole number in a sane range, no two tokens with
// one id, and every merge made of tokens in the vocabulary. Errors name the file, the field and
// the fix (ModelFileError). Ids against the model's embedding rows: id-checks.ts.
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { brief } from '../io/json-structure';
import { BYTE_TO_CHAR, byteFallbackToken } from './byte-level';
import { isByteLevel, mergeResult } from './tokenizer-json';
import type { TokenizerJson } from './tokenizer-json';

type Json = Record<string, unknown>;

/** No vocabulary has this many tokens (Gemma 3: 262k); an id above is a typo or a damaged file. */
export const MAX_TOKEN_ID = 1 << 24;
/** Component trees (Sequence of Sequence...) deeper than this are refused. */
const MAX_COMPONENT_DEPTH = 32;
/** What @huggingface/tokenizers implements as the Rust library does (it has no WordLevel: it would
 *  silently read one as BPE). */
const MODEL_TYPES = ['BPE', 'Unigram', 'WordPiece'];
const COMPONENT_KEYS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;
const CHILD_LISTS = ['normalizers', 'pretokenizers', 'processors', 'decoders'];

const TOKENIZER_FIX = "Use the model's own tokenizer.json (a Hugging Face \"fast\" tokenizer file); download it again if it was edited or damaged";
const CONFIG_FIX = "Use the model's own tokenizer_config.json (download it again), or remove the broken field";

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isTokenId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function fail(problem: string): never {
  throw new ModelFileError('tokenizer.json', problem, TOKENIZER_FIX);
}

/** An id field: a whole number >= 0 and below MAX_TOKEN_ID. */
function checkId(v: unknown, where: string): number {
  if (!isTokenId(v)) fail(`${where} ${brief(v)} is not a token id (a whole number >= 0)`);
  if (v >= MAX_TOKEN_ID) fail(`${where}: id ${v} is larger than any vocabulary (limit ${MAX_TOKEN_ID})`);
  return v;
}

/** Throws ModelFileError('tokenizer.json') unless `json` has the structure described above. */
export function checkTokenizerJson(json: unknown): asserts json is TokenizerJson {
  if (!isObject(json)) fail(`is ${brief(json)}, not a JSON object`);
  const model = json.model;
  if (!isObject(model)) fail(`has no "model" object (found ${brief(model)})`);
  if (!MODEL_TYPES.includes(model.type as string)) {
    throw new UnsupportedModelError(`model.type ${brief(model.type)} is not one of ${MODEL_TYPES.join(', ')}`, 'tokenizer.json', "Use the model's own tokenizer.json; WordLevel and other tokenizer models are not supported");
  }
  const vocab = checkVocab(model);
  if (model.type === 'BPE') checkMerges(model, vocab);
  if (model.unk_token !== undefined && model.unk_token !== null && typeof model.unk_token !== 'string') fail(`model.unk_token ${brief(model.unk_token)} is not a string`);
  if (model.unk_id !== undefined && model.unk_id !== null) checkId(model.unk_id, 'model.unk_id');
  checkAddedTokens(json.added_tokens);
  for (const key of COMPONENT_KEYS) checkComponent(json[key], key, 0);
  checkByteTokens(json as TokenizerJson, vocab);
}

/** Byte fallback / byte-level BPE promise that every byte has a token: pruning keeps those tokens
 *  so any text stays encodable, which only holds when all 256 are there. */
function checkByteTokens(json: TokenizerJson, vocab: Map<string, number>): void {
  const missing = (symbols: readonly string[]) => symbols.filter((s) => !vocab.has(s));
  if (json.model.byte_fallback === true) {
    const gone = missing(Array.from({ length: 256 }, (_, b) => byteFallbackToken(b)));
    if (gone.length) fail(`model.byte_fallback is true but ${gone.length} of the 256 byte tokens are missing from model.vocab (e.g. ${gone[0]})`);
  }
  if (isByteLevel(json)) {
    const gone = missing(BYTE_TO_CHAR);
    if (gone.length) fail(`the ByteLevel tokenizer lacks ${gone.length} of the 256 byte symbols in model.vocab (e.g. ${brief(gone[0])})`);
  }
}

/** token -> id of the model vocabulary (BPE/WordPiece/WordLevel object, or Unigram [piece, score] list). */
function checkVocab(model: Json): Map<string, number> {
  const vocab = model.vocab;
  const ids = new Map<string, number>();
  const byId = new Map<number, string>();
  const add = (token: string, id: number) => {
    const other = byId.get(id);
    if (other !== undefined) fail(`tokens ${brief(other)} and ${brief(token)} both have id ${id} in model.vocab`);
    byId.set(id, token);
    ids.set(token, id);
  };
  if (Array.isArray(vocab)) {
    if (model.type !== 'Unigram') fail(`model.vocab is a list, which only a Unigram model has (model.type is ${brief(model.type)})`);
    vocab.forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length < 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
        fail(`model.vocab[${i}] ${brief(entry)} is not a [piece, score] pair`);
      }
      if (ids.has(entry[0])) fail(`model.vocab lists the piece ${brief(entry[0])} twice`);
      if (i >= MAX_TOKEN_ID) fail(`model.vocab has more than ${MAX_TOKEN_ID} pieces`);
      add(entry[0], i);
    });
  } else if (isObject(vocab)) {
    if (model.type === 'Unigram') fail('model.vocab of a Unigram model must be a list of [piece, score] pairs');
    for (const [token, id] of Object.entries(vocab)) add(token, checkId(id, `model.vocab[${JSON.stringify(token.length > 40 ? token.slice(0, 40) + '...' : token)}]`));
  } else {
    fail(`model.vocab is ${brief(vocab)}, not a vocabulary`);
  }
  if (ids.size === 0) fail('model.vocab is empty');
  return ids;
}

/** BPE merges: a list of "a b" strings or [a, b] pairs, whose parts and result are in the vocabulary
 *  (the Rust library refuses others: MergeTokenOutOfVocabulary). */
function checkMerges(model: Json, vocab: Map<string, number>): void {
  const merges = model.merges;
  if (merges === undefined) fail('model.merges is missing (a BPE model needs its merge list)');
  if (!Array.isArray(merges)) fail(`model.merges is ${brief(merges)}, not a list`);
  if (model.continuing_subword_prefix !== undefined && model.continuing_subword_prefix !== null && typeof model.continuing_subword_prefix !== 'string') {
    fail(`model.continuing_subword_prefix ${brief(model.continuing_subword_prefix)} is not a string`);
  }
  merges.forEach((m, i) => {
    let pair: [string, string];
    if (typeof m === 'string' && m.indexOf(' ') > 0 && m.indexOf(' ') < m.length - 1) {
      const at = m.indexOf(' ');
      pair = [m.slice(0, at), m.slice(at + 1)];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      pair = [m[0], m[1]];
    } else {
      fail(`model.merges[${i}] ${brief(m)} is not a pair ("a b" or ["a", "b"])`);
    }
    for (const part of [pair[0], pair[1], mergeResult(model as never, pair[0], pair[1])]) {
      if (!vocab.has(part)) fail(`model.merges[${i}] uses ${brief(part)}, which is not in model.vocab`);
    }
  });
}

function checkAddedTokens(added: unknown): void {
  if (added === undefined) return;
  if (!Array.isArray(added)) fail(`added_tokens is ${brief(added)}, not a list`);
  const seen = new Map<number, number>();
  added.forEach((t, i) => {
    if (!isObject(t)) fail(`added_tokens[${i}] is ${brief(t)}, not an object`);
    const id = checkId(t.id, `added_tokens[${i}].id`);
    if (typeof t.content !== 'string' || t.content === '') fail(`added_tokens[${i}].content ${brief(t.content)} is not a string`);
    for (const flag of ['special', 'single_word', 'lstrip', 'rstrip', 'normalized']) {
      if (t[flag] !== undefined && typeof t[flag] !== 'boolean') fail(`added_tokens[${i}].${flag} ${brief(t[flag])} is not true/false`);
    }
    const other = seen.get(id);
    if (other !== undefined) fail(`added_tokens[${other}] and added_tokens[${i}] both have id ${id}`);
    seen.set(id, i);
  });
}

/** A normalizer / pre-tokenizer / post-processor / decoder: null, or an object with a string type
 *  whose child lists (Sequence) hold such objects; bounded depth, walked without deep recursion. */
function checkComponent(node: unknown, where: string, depth: number): void {
  if (node === undefined || node === null) return;
  if (!isObject(node)) fail(`${where} is ${brief(node)}, not an object or null`);
  if (depth > MAX_COMPONENT_DEPTH) fail(`${where.split('.')[0]} nests deeper than ${MAX_COMPONENT_DEPTH} levels`);
  if (typeof node.type !== 'string') fail(`${where}.type ${brief(node.type)} is not a string`);
  if (node.type === 'TemplateProcessing') checkTemplate(node, where);
  if (node.type === 'Replace' || node.type === 'Split') {
    const p = node.pattern;
    if (!isObject(p) || !(typeof p.String === 'string' || typeof p.Regex === 'string')) fail(`${where}.pattern ${brief(p)} is not {"String": "..."} or {"Regex": "..."}`);
  }
  if (node.type === 'Replace' && typeof node.content !== 'string') fail(`${where}.content ${brief(node.content)} is not a string`);
  for (const key of CHILD_LISTS) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(`${where}.${key} is ${brief(list)}, not a list`);
    list.forEach((child, i) => {
      if (!isObject(child)) fail(`${where}.${key}[${i}] is ${brief(child)}, not an object`);
      checkComponent(child, `${where}.${key}[${i}]`, depth + 1);
    });
  }
}

/** TemplateProcessing: single/pair lists of {SpecialToken: {id, type_id}} or {Sequence: {id: A|B, type_id}},
 *  special_tokens {name: {id, ids: [ids], tokens: [strings]}} (what the Rust library deserializes). */
function checkTemplate(node: Json, where: string): void {
  for (const key of ['single', 'pair']) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(`${where}.${key} is ${brief(list)}, not a list`);
    list.forEach((piece, i) => {
      const at = `${where}.${key}[${i}]`;
      const special = isObject(piece) ? piece.SpecialToken : undefined;
      const seq = isObject(piece) ? piece.Sequence : undefined;
      const inner = special ?? seq;
      if (!isObject(piece) || Object.keys(piece).length !== 1 || !isObject(inner)) fail(`${at} is ${brief(piece)}, not {"SpecialToken": {...}} or {"Sequence": {...}}`);
      if (typeof inner.id !== 'string' || (seq !== undefined && inner.id !== 'A' && inner.id !== 'B')) fail(`${at} id ${brief(inner.id)} is not ${seq !== undefined ? '"A" or "B"' : 'a token name'}`);
      if (!isTokenId(inner.type_id)) fail(`${at} type_id ${brief(inner.type_id)} is not a whole number`);
    });
  }
  const specials = node.special_tokens;
  if (specials === undefined) return;
  if (!isObject(specials)) fail(`${where}.special_tokens is ${brief(specials)}, not an object`);
  for (const [name, t] of Object.entries(specials)) {
    const at = `${where}.special_tokens[${JSON.stringify(name)}]`;
    if (!isObject(t) || !Array.isArray(t.ids) || !Array.isArray(t.tokens) || !t.tokens.every((x) => typeof x === 'string')) fail(`${at} is ${brief(t)}, not {id, ids: [...], tokens: [...]}`);
    t.ids.forEach((id, i) => checkId(id, `${at}.ids[${i}]`));
  }
}

// ---- tokenizer_config.json -------------------------------------------------------------------

function failConfig(problem: string): never {
  throw new ModelFileError('tokenizer_config.json', problem, CONFIG_FIX);
}

const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'sep_token', 'cls_token', 'mask_token'];

/** A token string, an AddedToken object ({content: "..."}), or null. */
function isTokenValue(v: unknown): boolean {
  return v === null || typeof v === 'string' || (isObject(v) && typeof v.content === 'string');
}

/** Throws ModelFileError('tokenizer_config.json') for the fields this tool and the library read. */
export function checkTokenizerConfig(config: unknown): asserts config is Json {
  if (!isObject(config)) failConfig(`is ${brief(config)}, not a JSON object`);
  for (const key of SPECIAL_TOKEN_KEYS) {
    if (config[key] !== undefined && !isTokenValue(config[key])) failConfig(`${key} is ${brief(config[key])}, not a token string`);
  }
  for (const key of ['additional_special_tokens', 'extra_special_tokens']) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (key === 'extra_special_tokens' && isObject(v)) {
      for (const [name, t] of Object.entries(v)) if (!isTokenValue(t)) failConfig(`${key}.${name} is ${brief(t)}, not a token string`);
      continue;
    }
    if (!Array.isArray(v)) failConfig(`${key} is ${brief(v)}, not a list of token strings`);
    v.forEach((t, i) => {
      if (t === null || !isTokenValue(t)) failConfig(`${key}[${i}] is ${brief(t)}, not a token string`);
    });
  }
  const decoder = config.added_tokens_decoder;
  if (decoder !== undefined && decoder !== null) {
    if (!isObject(decoder)) failConfig(`added_tokens_decoder is ${brief(decoder)}, not an object`);
    for (const [key, t] of Object.entries(decoder)) {
      if (!/^\d+$/.test(key) || Number(key) >= MAX_TOKEN_ID) failConfig(`added_tokens_decoder key ${brief(key)} is not a token id`);
      if (!isObject(t) || typeof t.content !== 'string') failConfig(`added_tokens_decoder["${key}"] is ${brief(t)}, not a token object`);
    }
  }
  for (const key of ['clean_up_tokenization_spaces', 'add_bos_token', 'add_eos_token', 'remove_space', 'do_lowercase_and_remove_accent']) {
    if (config[key] !== undefined && config[key] !== null && typeof config[key] !== 'boolean') failConfig(`${key} ${brief(config[key])} is not true/false`);
  }
}
