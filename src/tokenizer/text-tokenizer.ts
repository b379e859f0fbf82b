// TextTokenizer: tokenizer.json through @huggingface/tokenizers, plus the
// per-token byte counts that bits-per-byte needs.
//
// Checked against the Python `tokenizers` library (Rust `tokenizers` for the Gemma-style one)
// on the fixture tokenizers (text-tokenizer.test.ts): same ids for whole corpora, no special tokens added.
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFileError } from '../io/errors';
import { CHAR_TO_BYTE, isByteFallbackToken } from './byte-level';
import { adaptForLibrary } from './library-compat';
import { planLineChunking, splitAfterNewlines, type ChunkPlan } from './line-chunks';
import type { TokenizerJson } from './tokenizer-json';
import { isByteLevel, tokenStringsById, tokenizerVocabSize } from './tokenizer-json';
import { checkTokenizerConfig, checkTokenizerJson } from './tokenizer-checks';

/** Chunks of this many UTF-16 units (cut after a '\n') when line chunking is exact. */
const CHUNK_CHARS = 4096;

const utf8 = new TextEncoder();

export class TextTokenizer {
  /** number of ids (model vocab + added tokens) = rows of the embedding it fits. */
  readonly vocabSize: number;
  private readonly whole: Tokenizer;
  /** JSON of the no-prefix tokenizer for chunks after the first (null: never chunk). */
  private readonly continuationJson: TokenizerJson | null;
  private continuation: Tokenizer | null = null; // built on first chunked encode
  private readonly config: Record<string, unknown>;
  private readonly addedContents: string[];
  private readonly strings: (string | undefined)[];
  /** bytes of text each id stands for (see tokenByteLength). */
  private readonly byteLengths: Uint32Array;

  /** settings rewritten for @huggingface/tokenizers (see library-compat.ts). */
  readonly compatChanges: string[];

  private constructor(json: TokenizerJson, config: Record<string, unknown>) {
    const adapted = adaptForLibrary(json);
    this.compatChanges = adapted.changes;
    json = adapted.json;
    this.whole = libraryCall(() => {
      const t = new Tokenizer(json, config);
      // some settings only fail on first use; a tokenizer that maps text to nothing is broken too
      if (t.encode('Hello, world. 123', { add_special_tokens: false }).ids.length === 0) {
        throw new ModelFileError('tokenizer.json', 'encodes text to no tokens at all', 'Use the model\'s own tokenizer.json (a normalizer, pre-tokenizer or post-processor setting drops everything)');
      }
      return t;
    });
    const plan: ChunkPlan = planLineChunking(json, config);
    this.continuationJson = plan.ok ? plan.continuation : null;
    this.config = config;
    this.addedContents = (json.added_tokens ?? []).map((t) => t.content);
    this.vocabSize = tokenizerVocabSize(json);
    this.strings = tokenStringsById(json);
    this.byteLengths = buildByteLengths(json, this.strings, this.vocabSize);
  }

  /** Checks both files (tokenizer-checks.ts) before building; every failure is a ModelFileError naming the file. */
  static fromJson(tokenizerJson: unknown, tokenizerConfig?: unknown): TextTokenizer {
    checkTokenizerJson(tokenizerJson);
    if (tokenizerConfig !== undefined) checkTokenizerConfig(tokenizerConfig);
    // the library needs every component key and the added_tokens list, null / [] where absent
    const json: TokenizerJson = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...tokenizerJson };
    return libraryCall(() => new TextTokenizer(json, (tokenizerConfig ?? {}) as Record<string, unknown>));
  }

  /** ids of `text`, no special tokens added (no BOS/EOS from the post-processor). */
  encode(text: string): number[] {
    return this.encodePart(text, 0, 1);
  }

  /**
   * Part `part` of `parts` of encode(text): the ids of a contiguous run of the line chunks encode()
   * cuts the text into, so the parts' ids, concatenated in order, are encode(text) exactly (the
   * CLI encodes the parts on several worker threads). Part 0 has all of a text encoded whole.
   */
  encodePart(text: string, part: number, parts: number): number[] {
    if (!this.continuationJson || text.length <= CHUNK_CHARS || this.addedContents.some((c) => text.includes(c))) {
      return part === 0 ? this.encodeWith(this.whole, text) : [];
    }
    this.continuation ??= libraryCall(() => new Tokenizer(this.continuationJson!, this.config));
    const continuation = this.continuation;
    const chunks = splitAfterNewlines(text, CHUNK_CHARS);
    const from = Math.floor((part * chunks.length) / parts);
    const to = Math.floor(((part + 1) * chunks.length) / parts);
    const ids: number[] = [];
    for (let i = from; i < to; i++) for (const id of this.encodeWith(i === 0 ? this.whole : continuation, chunks[i])) ids.push(id);
    return ids;
  }

  /** Whole-text encode, never chunked (used to prove chunking exact). */
  encodeUnchunked(text: string): number[] {
    return this.encodeWith(this.whole, text);
  }

  /** Text of `ids`, special tokens included, no clean-up of spaces (an exact inverse where one exists). */
  decode(ids: number[]): string {
    return this.whole.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /** UTF-8 bytes of text that token `id` stands for: '▁' = 1, `<0xXX>` = 1,
   *  each GPT-2 byte-level symbol = 1, special tokens 0. */
  tokenByteLength(id: number): number {
    return this.byteLengths[id] ?? 0;
  }

  /** The vocabulary string of `id` ('' for an unused id). */
  tokenString(id: number): string {
    return this.strings[id] ?? '';
  }

  private encodeWith(tokenizer: Tokenizer, text: string): number[] {
    return tokenizer.encode(text, { add_special_tokens: false }).ids;
  }
}

/** Runs `build`; whatever the tokenizers library throws becomes a ModelFileError naming tokenizer.json. */
function libraryCall<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    // a TypeError is the library tripping over a setting that is missing or of the wrong type
    const what = e instanceof TypeError ? 'a setting is missing or has the wrong type' : 'a setting is not understood';
    throw new ModelFileError(
      'tokenizer.json',
      `the tokenizer library cannot build it: ${what} (library: ${JSON.stringify(e instanceof Error ? e.message : String(e))})`,
      "Use the model's own tokenizer.json; if it was edited, undo the edit (a regex, normalizer, pre-tokenizer or decoder setting)",
    );
  }
}

function buildByteLengths(json: TokenizerJson, strings: (string | undefined)[], size: number): Uint32Array {
  const table = new Uint32Array(size);
  const byteLevel = isByteLevel(json);
  const byteFallback = json.model.byte_fallback === true;
  const subwordPrefix = json.model.type === 'WordPiece' ? (json.model.continuing_subword_prefix ?? '##') : '';
  for (let id = 0; id < size; id++) {
    const token = strings[id];
    if (token === undefined) continue;
    if (byteLevel) table[id] = byteLevelLength(token);
    else if (byteFallback && isByteFallbackToken(token)) table[id] = 1;
    else {
      const text = subwordPrefix && token.startsWith(subwordPrefix) ? token.slice(subwordPrefix.length) : token;
      table[id] = utf8.encode(text.replaceAll('▁', ' ')).length;
    }
  }
  // Added tokens: special ones (control tokens) stand for no text; others are
  // matched literally in the raw text, so they stand for their content's bytes.
  for (const t of json.added_tokens ?? []) table[t.id] = t.special ? 0 : utf8.encode(t.content).length;
  return table;
}

/** Each symbol of the byte-level alphabet is one byte; any other char counts its UTF-8 bytes. */
function byteLevelLength(token: string): number {
  let n = 0;
  for (const ch of token) n += CHAR_TO_BYTE.has(ch) ? 1 : utf8.encode(ch).length;
  return n;
}
