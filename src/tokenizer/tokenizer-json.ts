// Loose types and read helpers for the parts of tokenizer.json we touch.
// Everything else in the file is carried through untouched.

export interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  [key: string]: unknown;
}

export interface TokenizerModelJson {
  type?: string; // 'BPE' | 'Unigram' | 'WordPiece' | 'WordLevel'
  /** BPE / WordPiece / WordLevel: token -> id. Unigram: [token, score][] (id = index). */
  vocab: Record<string, number> | [string, number][];
  /** BPE only: "a b" strings (older files) or [a, b] pairs (tokenizers >= 0.20). */
  merges?: (string | [string, string])[];
  byte_fallback?: boolean;
  unk_token?: string | null;
  unk_id?: number | null;
  continuing_subword_prefix?: string | null;
  [key: string]: unknown;
}

export interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  normalizer?: ComponentJson | null;
  pre_tokenizer?: ComponentJson | null;
  post_processor?: ComponentJson | null;
  decoder?: ComponentJson | null;
  model: TokenizerModelJson;
  [key: string]: unknown;
}

/** A normalizer / pre-tokenizer / post-processor / decoder node. */
export interface ComponentJson {
  type?: string;
  [key: string]: unknown;
}

export type JsonObject = Record<string, unknown>;

/** Normalises both merge formats to [left, right] pairs (same order). */
export function readMerges(model: TokenizerModelJson): [string, string][] {
  return (model.merges ?? []).map((merge) => {
    if (Array.isArray(merge)) return [merge[0], merge[1]];
    // "a b": split at the first space; BPE parts never contain a plain space
    // (they use 'Ġ' or '▁'), which is also what tokenizers assumes for this format.
    const at = merge.indexOf(' ');
    return [merge.slice(0, at), merge.slice(at + 1)];
  });
}

/** id -> token string for the model vocabulary (added tokens not included). */
export function modelVocabById(model: TokenizerModelJson): string[] {
  const byId: string[] = [];
  if (Array.isArray(model.vocab)) {
    model.vocab.forEach(([token], id) => (byId[id] = token));
  } else {
    for (const [token, id] of Object.entries(model.vocab)) byId[id] = token;
  }
  return byId;
}

/** Every component node of a (possibly Sequence) component, depth first. */
export function componentNodes(node: ComponentJson | null | undefined): ComponentJson[] {
  if (!node) return [];
  const children = [node.normalizers, node.pretokenizers, node.processors, node.decoders].find(Array.isArray) as
    | ComponentJson[]
    | undefined;
  return children ? [node, ...children.flatMap(componentNodes)] : [node];
}

/** True for GPT-2-style byte-level BPE (ByteLevel pre-tokenizer or decoder). */
export function isByteLevel(json: TokenizerJson): boolean {
  return [...componentNodes(json.pre_tokenizer), ...componentNodes(json.decoder)].some((n) => n.type === 'ByteLevel');
}

/** Largest id used by the model vocabulary or an added token, plus one. */
export function tokenizerVocabSize(json: TokenizerJson): number {
  let size = modelVocabById(json.model).length;
  for (const t of json.added_tokens ?? []) size = Math.max(size, t.id + 1);
  return size;
}

/** id -> token string including added tokens (holes stay undefined). */
export function tokenStringsById(json: TokenizerJson): (string | undefined)[] {
  const byId: (string | undefined)[] = modelVocabById(json.model);
  for (const t of json.added_tokens ?? []) byId[t.id] = t.content;
  return byId;
}

/** The token a BPE merge of (a, b) produces: a + b, minus b's continuing-subword prefix (as `tokenizers` does). */
export function mergeResult(model: TokenizerModelJson, a: string, b: string): string {
  const prefix = model.continuing_subword_prefix ?? '';
  return prefix && b.startsWith(prefix) ? a + b.slice(prefix.length) : a + b;
}
