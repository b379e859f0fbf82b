// Tokens a pruned vocabulary must always keep: special/control tokens (added
// tokens, bos/eos/pad/unk named anywhere, post-processor ids) and the byte
// tokens every text can fall back to (the 256 byte-level symbols of GPT-2
// style BPE, or `<0x00>`..`<0xFF>` with byte_fallback).
import { BYTE_TO_CHAR, byteFallbackToken } from './byte-level';
import type { ComponentJson, JsonObject, TokenizerJson } from './tokenizer-json';
import { componentNodes, isByteLevel, tokenStringsById } from './tokenizer-json';

export type KeptReason = 'special' | 'byte';

/** Config keys holding special token ids (config.json, generation_config.json); the last three are
 *  Gemma 3 multimodal's image tokens (image_token_index, boi/eoi), which must stay and be renumbered too. */
export const SPECIAL_ID_KEYS = [
  'bos_token_id', 'eos_token_id', 'pad_token_id', 'unk_token_id', 'decoder_start_token_id', 'sep_token_id', 'cls_token_id', 'mask_token_id',
  'image_token_index', 'boi_token_index', 'eoi_token_index',
] as const;
/** tokenizer_config.json keys holding special token strings (or AddedToken objects). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'pad_token', 'unk_token', 'sep_token', 'cls_token', 'mask_token'] as const;
const SPECIAL_LIST_KEYS = ['additional_special_tokens', 'extra_special_tokens'] as const;

export function alwaysKeptTokens(
  tokenizerJson: object,
  tokenizerConfig?: object,
  generationConfig?: object,
  config?: object,
): Map<number, KeptReason> {
  const json = tokenizerJson as TokenizerJson;
  const strings = tokenStringsById(json);
  const idOf = new Map<string, number>();
  strings.forEach((s, id) => s !== undefined && !idOf.has(s) && idOf.set(s, id));
  const kept = new Map<number, KeptReason>();
  const special = (id: number | undefined) => id !== undefined && id >= 0 && id < strings.length && kept.set(id, 'special');
  const specialString = (s: string | undefined) => s !== undefined && special(idOf.get(s));

  for (const t of json.added_tokens ?? []) special(t.id);
  const tc = (tokenizerConfig ?? {}) as JsonObject;
  for (const key of SPECIAL_TOKEN_KEYS) specialString(tokenContent(tc[key]));
  for (const key of SPECIAL_LIST_KEYS) for (const v of listValues(tc[key])) specialString(tokenContent(v));
  for (const key of Object.keys((tc.added_tokens_decoder ?? {}) as JsonObject)) special(Number(key));
  for (const c of [config, generationConfig]) for (const id of specialIdsIn((c ?? {}) as JsonObject)) special(id);
  for (const id of postProcessorIds(json.post_processor)) special(id);
  const model = json.model;
  if (typeof model.unk_token === 'string') specialString(model.unk_token);
  if (typeof model.unk_id === 'number') special(model.unk_id);

  const bytes = (s: string) => {
    const id = idOf.get(s);
    if (id !== undefined && !kept.has(id)) kept.set(id, 'byte');
  };
  if (isByteLevel(json)) BYTE_TO_CHAR.forEach(bytes);
  if (model.byte_fallback === true) for (let b = 0; b < 256; b++) bytes(byteFallbackToken(b));
  return kept;
}

/** All special ids named in a config.json / generation_config.json (eos may be a list), also in text_config. */
export function specialIdsIn(config: JsonObject): number[] {
  const text = config.text_config;
  const nested = typeof text === 'object' && text !== null && !Array.isArray(text) ? [text as JsonObject] : [];
  return [config, ...nested].flatMap((c) => SPECIAL_ID_KEYS.flatMap((key) => listValues(c[key]))).filter((v): v is number => typeof v === 'number');
}

/** Ids referenced by a post-processor: TemplateProcessing special_tokens, Bert/Roberta cls/sep, nested Sequences. */
export function postProcessorIds(node: ComponentJson | null | undefined): number[] {
  const ids: number[] = [];
  for (const n of componentNodes(node)) {
    if (n.type === 'TemplateProcessing') {
      for (const entry of Object.values((n.special_tokens ?? {}) as Record<string, { ids?: number[] }>)) ids.push(...(entry.ids ?? []));
    }
    for (const key of ['cls', 'sep'] as const) {
      const pair = n[key];
      if (Array.isArray(pair) && typeof pair[1] === 'number') ids.push(pair[1]);
    }
  }
  return ids;
}

function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as JsonObject).content === 'string') return (v as JsonObject).content as string;
  return undefined;
}

function listValues(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && !('content' in (v as JsonObject))) return Object.values(v as JsonObject); // name -> token map
  return [v];
}
