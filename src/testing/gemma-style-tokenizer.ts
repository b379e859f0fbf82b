// A small Gemma-style tokenizer for tests (fixtures/tokenizers/gemma-style), built here
// because real Gemma tokenizers are 17-33 MB. NOT Gemma's vocabulary: a BPE trained by
// this file on a stretch of the TinyStories text, laid out and configured the way
// Gemma's SentencePiece BPE is in tokenizer.json:
// - ids 0..6 <pad> <eos> <bos> <unk> <mask> [@BOS@] ... then <unused0..98> and
//   <start_of_turn> 105 / <end_of_turn> 106 (Gemma 3's ids; its eos list is [1, 106]);
// - the 256 byte-fallback tokens <0x00>..<0xFF> right after (ids 107..362), then the
//   merged pieces in merge order, then the single characters (SentencePiece puts its
//   base characters last, as in Llama-2's vocabulary);
// - normalizer Replace(' ' -> '▁') with NO dummy prefix, no pre-tokenizer, decoder
//   Replace('▁' -> ' ') + ByteFallback + Fuse (no Strip), <bos> added by the post-processor.
// Training: the text normalised as above, cut into words before each '▁' and at each
// '\n' ('\n' is never merged, as a line-chunked encode needs), then the most frequent
// adjacent pair merged until the vocabulary is full; ties go to the smaller "a b" string.
// Deterministic: the same text gives the same bytes.
import type { TokenizerJson } from '../tokenizer/tokenizer-json';

export const GEMMA_STYLE_VOCAB = 2048;
/** The training text: this many UTF-8 bytes of the TinyStories fixture, from TRAIN_FROM on (after the 64 KiB eval span). */
export const TRAIN_FROM = 262_144;
export const TRAIN_BYTES = 262_144;

const SPECIALS = ['<pad>', '<eos>', '<bos>', '<unk>', '<mask>', '[@BOS@]'];
const UNUSED = 99;
const TURN = ['<start_of_turn>', '<end_of_turn>'];

export interface GemmaStyleFiles {
  tokenizerJson: TokenizerJson;
  tokenizerConfig: Record<string, unknown>;
}

/** Training words: normalised text cut before every '▁' and around every '\n'. */
function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.replaceAll(' ', '▁').split('\n')) {
    for (const w of line.match(/▁?[^▁]+|▁/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

/** BPE merges learned on the words, most frequent pair first, until they make `count` distinct tokens. */
export function trainMerges(words: Map<string, number>, count: number): [string, string][] {
  const syms: string[][] = [];
  const freq: number[] = [];
  for (const [w, n] of words) {
    syms.push([...w]);
    freq.push(n);
  }
  const key = (a: string, b: string) => `${a} ${b}`; // parts never hold a plain space ('▁' stands for it)
  const pairCount = new Map<string, number>();
  const where = new Map<string, Set<number>>(); // pair -> words that had it (may be stale; checked on use)
  const addPairs = (w: number, sign: 1 | -1) => {
    const s = syms[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = key(s[i], s[i + 1]);
      const c = (pairCount.get(k) ?? 0) + sign * freq[w];
      if (c > 0) pairCount.set(k, c);
      else pairCount.delete(k);
      if (sign > 0) {
        let set = where.get(k);
        if (!set) where.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  syms.forEach((_, w) => addPairs(w, 1));
  const merges: [string, string][] = [];
  const made = new Set<string>(); // two merges can make the same string ('ab c', 'a bc')
  while (made.size < count) {
    let best: string | null = null;
    let bestCount = 0;
    for (const [k, c] of pairCount) {
      if (c > bestCount || (c === bestCount && best !== null && k < best)) {
        best = k;
        bestCount = c;
      }
    }
    if (best === null) break; // every word is one symbol
    const at = best.indexOf(' ');
    const [a, b] = [best.slice(0, at), best.slice(at + 1)];
    merges.push([a, b]);
    made.add(a + b);
    for (const w of where.get(best) ?? []) {
      addPairs(w, -1);
      const s = syms[w];
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(s[i]);
      }
      syms[w] = out;
      addPairs(w, 1);
    }
    where.delete(best);
  }
  return merges;
}

const hex = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/** The tokenizer.json + tokenizer_config.json trained on `text` (the TinyStories fixture). */
export function buildGemmaStyleTokenizer(corpus: string, vocabSize = GEMMA_STYLE_VOCAB): GemmaStyleFiles {
  const bytes = Buffer.from(corpus, 'utf8');
  let start = TRAIN_FROM;
  while ((bytes[start]! & 0xc0) === 0x80) start++; // start on a character boundary
  let end = Math.min(bytes.length, start + TRAIN_BYTES);
  while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end++;
  const text = bytes.subarray(start, end).toString('utf8');

  const added = [...SPECIALS, ...Array.from({ length: UNUSED }, (_, i) => `<unused${i}>`), ...TURN];
  const byteTokens = Array.from({ length: 256 }, (_, b) => hex(b));
  const words = wordCounts(text);
  const charCount = new Map<string, number>();
  for (const [w, n] of words) for (const ch of w) charCount.set(ch, (charCount.get(ch) ?? 0) + n);
  // most frequent characters first; ties by code point
  const chars = [...charCount].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).map(([c]) => c);
  const merges = trainMerges(words, vocabSize - added.length - byteTokens.length - chars.length);

  const vocab: Record<string, number> = {};
  const order = [...added, ...byteTokens, ...merges.map(([a, b]) => a + b), ...chars];
  for (const t of order) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  const tokenizerJson: TokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: !content.startsWith('<unused'), // Gemma leaves its <unusedN> tokens non-special
    })),
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<bos>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<bos>': { id: '<bos>', ids: [2], tokens: ['<bos>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<bos>',
    eos_token: '<eos>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    clean_up_tokenization_spaces: false,
    model_max_length: 1024,
    tokenizer_class: 'GemmaTokenizer',
  };
  return { tokenizerJson, tokenizerConfig };
}

/** config.json / generation_config.json of the (tiny, Gemma 3 text) model the tokenizer is paired with. */
export function gemmaStyleModelConfigs(tokenizerJson: TokenizerJson): { config: Record<string, unknown>; generationConfig: Record<string, unknown> } {
  const vocabSize = Object.keys(tokenizerJson.model.vocab).length;
  const ids = { bos_token_id: 2, eos_token_id: [1, 106], pad_token_id: 0 };
  return {
    config: {
      architectures: ['Gemma3ForCausalLM'],
      model_type: 'gemma3_text',
      vocab_size: vocabSize,
      hidden_size: 32,
      intermediate_size: 48,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 8,
      hidden_activation: 'gelu_pytorch_tanh',
      max_position_embeddings: 512,
      rms_norm_eps: 1e-6,
      rope_theta: 1e6,
      rope_local_base_freq: 10000,
      query_pre_attn_scalar: 8,
      sliding_window: 16,
      tie_word_embeddings: true,
      torch_dtype: 'float32',
      ...ids,
    },
    generationConfig: { ...ids },
  };
}
