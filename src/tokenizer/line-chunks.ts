// Encoding long texts in line-sized chunks, only where that provably gives the
// ids of one whole-text encode.
//
// Why: SentencePiece-converted BPE tokenizers (no pre-tokenizer, or Metaspace
// with split=false) hand the WHOLE text to BPE as one word; for 1.3 MB of
// WikiText the heap-based merge loop of @huggingface/tokenizers then takes ~40 s
// on the 32k Llama vocabulary. Byte-level (GPT-2) tokenizers split into short
// words first and are fast already, so they are never chunked.
//
// Why it is exact, when every condition of `planLineChunking` holds:
// - normalizer and pre-tokenizer act on single characters (Replace ' ' -> '▁'),
//   except the prefix '▁' added at the start (Prepend / Metaspace
//   prepend_scheme); chunks after the first are encoded by a copy of the
//   tokenizer whose prefix step is switched off ("continuation" tokenizer);
// - no merge has '\n' in either part, so '\n' stays a symbol of its own and no
//   merge can ever join the symbols on both sides of a cut made after a '\n';
//   BPE then merges the pieces on each side independently (the lowest-rank
//   pair, ties leftmost, never involves the other side), so the ids of the
//   whole are the ids of the chunks, concatenated;
// - added tokens are split out before normalisation (and may trigger a new
//   prefix); a text that contains any added token's content is encoded whole.
import type { ComponentJson, TokenizerJson } from './tokenizer-json';
import { componentNodes, readMerges } from './tokenizer-json';

export type ChunkPlan = { ok: true; continuation: TokenizerJson } | { ok: false; reason: string };

const CHAR_LOCAL_NORMALIZERS = new Set(['Prepend', 'Replace', 'Sequence']);

export function planLineChunking(json: TokenizerJson, config?: Record<string, unknown>): ChunkPlan {
  if (json.model.type !== 'BPE') return { ok: false, reason: 'not a BPE model' };
  const pre = json.pre_tokenizer ?? null;
  const wholeTextIsOneWord = pre === null || (pre.type === 'Metaspace' && pre.split === false);
  if (!wholeTextIsOneWord) return { ok: false, reason: 'pre-tokenizer already splits the text into short words' };
  for (const n of componentNodes(json.normalizer)) {
    if (!CHAR_LOCAL_NORMALIZERS.has(n.type ?? '')) return { ok: false, reason: `normalizer ${n.type} not known to be character-local` };
    if (n.type === 'Replace' && !isSingleCharReplace(n)) return { ok: false, reason: 'Replace normalizer is not a single-character string replace' };
  }
  if (config?.remove_space === true || config?.do_lowercase_and_remove_accent === true) {
    return { ok: false, reason: 'tokenizer_config asks for whole-text preprocessing' };
  }
  if (readMerges(json.model).some(([a, b]) => a.includes('\n') || b.includes('\n'))) {
    return { ok: false, reason: "a merge contains '\\n'" };
  }
  return { ok: true, continuation: withoutPrefix(json) };
}

function isSingleCharReplace(n: ComponentJson): boolean {
  const pattern = n.pattern as { String?: unknown } | undefined;
  const from = pattern?.String;
  return typeof from === 'string' && [...from].length === 1 && from !== '\n' && typeof n.content === 'string' && !n.content.includes('\n');
}

/** Copy of the tokenizer with the prefix '▁' switched off (Prepend dropped, Metaspace prepend_scheme "never"). */
function withoutPrefix(json: TokenizerJson): TokenizerJson {
  const copy: TokenizerJson = { ...json, normalizer: dropPrepend(json.normalizer ?? null) }; // shallow: only these two change
  if (copy.pre_tokenizer?.type === 'Metaspace') {
    copy.pre_tokenizer = { ...copy.pre_tokenizer, prepend_scheme: 'never', add_prefix_space: false };
  }
  return copy;
}

function dropPrepend(node: ComponentJson | null): ComponentJson | null {
  if (!node || node.type === 'Prepend') return null;
  if (node.type !== 'Sequence' || !Array.isArray(node.normalizers)) return node;
  const kept = (node.normalizers as ComponentJson[]).map(dropPrepend).filter((n): n is ComponentJson => n !== null);
  return kept.length === 0 ? null : { ...node, normalizers: kept };
}

/** Cuts text right after a '\n' once a chunk reaches `targetChars` (UTF-16 units); concatenation = text. */
export function splitAfterNewlines(text: string, targetChars: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    const cut = text.indexOf('\n', start + targetChars - 1);
    const end = cut < 0 ? text.length : cut + 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}
