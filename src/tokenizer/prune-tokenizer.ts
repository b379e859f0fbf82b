// Writes the tokenizer and config files of a pruned vocabulary: kept ids
// become dense 0..V'-1 in their old order, and every id anywhere is renumbered.
// Inputs are never modified; new JSON objects are returned.
import type { AddedTokenJson, ComponentJson, JsonObject, TokenizerJson, TokenizerModelJson } from './tokenizer-json';
import { mergeResult, readMerges, tokenStringsById } from './tokenizer-json';
import { SPECIAL_ID_KEYS } from './special';

export interface TokenizerFiles {
  tokenizerJson: any;
  tokenizerConfig?: any;
  generationConfig?: any;
  config: any;
}

export interface PrunedTokenizerFiles extends TokenizerFiles {
  /** what changed, for the export log. */
  notes: string[];
}

/** A special id (bos/eos/pad, post-processor) would be removed: the selection must keep it. */
export class RemovedSpecialTokenError extends Error {
  constructor(readonly where: string, readonly id: number) {
    super(`${where} refers to token id ${id}, which the vocabulary selection removed. Special tokens must always be kept: select the vocabulary with selectVocabulary(), which keeps them.`);
    this.name = 'RemovedSpecialTokenError';
  }
}

export class KeptIdsError extends Error {
  constructor(problem: string) {
    super(`Invalid kept ids: ${problem}. Pass the ascending, unique ids of selectVocabulary().keptIds.`);
    this.name = 'KeptIdsError';
  }
}

/** old id -> new id (-1 where removed); keptIds ascending, unique, < V. */
export function oldToNew(keptIds: Uint32Array, vocabSize: number): Int32Array {
  const map = new Int32Array(vocabSize).fill(-1);
  keptIds.forEach((old, i) => {
    if (old >= vocabSize) throw new KeptIdsError(`id ${old} is outside the vocabulary of ${vocabSize}`);
    if (i > 0 && old <= keptIds[i - 1]!) throw new KeptIdsError(`ids not strictly ascending at position ${i}`);
    map[old] = i;
  });
  return map;
}

export function pruneTokenizerFiles(input: TokenizerFiles, keptIds: Uint32Array): PrunedTokenizerFiles {
  const json = input.tokenizerJson as TokenizerJson;
  const strings = tokenStringsById(json);
  const configRows = configVocabSize(input.config);
  const vocabSize = Math.max(strings.length, configRows); // V
  const map = oldToNew(keptIds, vocabSize);
  const notes: string[] = [`vocabulary ${vocabSize} -> ${keptIds.length} ids (dense, old order kept)`];
  const required = (where: string, id: number): number => {
    const mapped = id >= 0 && id < vocabSize ? map[id]! : -1;
    if (mapped < 0) throw new RemovedSpecialTokenError(where, id);
    return mapped;
  };

  const tokenizerJson: TokenizerJson = structuredClone(json);
  tokenizerJson.model = pruneModel(json.model, map, notes);
  if (json.added_tokens) tokenizerJson.added_tokens = pruneAddedTokens(json.added_tokens, map, notes);
  if (json.post_processor) tokenizerJson.post_processor = renumberPostProcessor(structuredClone(json.post_processor), required);

  const out: PrunedTokenizerFiles = { tokenizerJson, config: renumberConfig(input.config, 'config.json', required), notes };
  out.config.vocab_size = keptIds.length;
  if (input.generationConfig !== undefined) out.generationConfig = renumberConfig(input.generationConfig, 'generation_config.json', required);
  if (input.tokenizerConfig !== undefined) out.tokenizerConfig = renumberTokenizerConfig(input.tokenizerConfig, map, notes);
  return out;
}

function pruneModel(model: TokenizerModelJson, map: Int32Array, notes: string[]): TokenizerModelJson {
  const out: TokenizerModelJson = { ...model };
  const keptString = new Map<string, boolean>(); // token -> kept?
  if (Array.isArray(model.vocab)) {
    // Unigram: [piece, score][], id = index
    model.vocab.forEach(([piece], id) => keptString.set(piece, map[id]! >= 0));
    out.vocab = model.vocab.filter((_, id) => map[id]! >= 0).map(([piece, score]): [string, number] => [piece, score]);
    if (typeof model.unk_id === 'number') {
      const unk = map[model.unk_id]!;
      if (unk < 0) throw new RemovedSpecialTokenError('tokenizer.json model.unk_id', model.unk_id);
      out.unk_id = unk;
    }
  } else {
    const entries = Object.entries(model.vocab);
    for (const [token, id] of entries) keptString.set(token, map[id]! >= 0);
    const renumbered = entries.filter(([, id]) => map[id]! >= 0).map(([token, id]) => [token, map[id]!] as [string, number]);
    renumbered.sort((x, y) => x[1] - y[1]);
    out.vocab = Object.fromEntries(renumbered);
  }
  if (model.merges) {
    // drop a merge that uses or produces a removed token; keep order and format
    const removed = (token: string) => keptString.get(token) === false;
    const pairs = readMerges(model);
    out.merges = model.merges.filter((_, i) => {
      const [a, b] = pairs[i]!;
      return !removed(a) && !removed(b) && !removed(mergeResult(model, a, b));
    });
    notes.push(`merges ${model.merges.length} -> ${out.merges.length}`);
  }
  return out;
}

function pruneAddedTokens(added: AddedTokenJson[], map: Int32Array, notes: string[]): AddedTokenJson[] {
  const out: AddedTokenJson[] = [];
  for (const t of added) {
    const id = map[t.id] ?? -1;
    if (id >= 0) out.push({ ...t, id });
    else notes.push(`added token ${JSON.stringify(t.content)} (id ${t.id}) removed`);
  }
  return out;
}

/** TemplateProcessing special_tokens[*].ids, Bert/Roberta cls/sep, nested Sequences (in place on a copy). */
function renumberPostProcessor(node: ComponentJson, required: (where: string, id: number) => number): ComponentJson {
  if (Array.isArray(node.processors)) node.processors = (node.processors as ComponentJson[]).map((p) => renumberPostProcessor(p, required));
  if (node.type === 'TemplateProcessing' && node.special_tokens) {
    for (const [name, entry] of Object.entries(node.special_tokens as Record<string, { ids?: number[] }>)) {
      if (entry.ids) entry.ids = entry.ids.map((id) => required(`post_processor special token ${name}`, id));
    }
  }
  for (const key of ['cls', 'sep'] as const) {
    const pair = node[key];
    if (Array.isArray(pair) && typeof pair[1] === 'number') node[key] = [pair[0], required(`post_processor ${key}`, pair[1])];
  }
  return node;
}

/** Rows of the embedding per config.json (top level, or a multimodal config's text_config); 0 if unknown. */
export function configVocabSize(config: JsonObject | undefined): number {
  const text = config?.text_config as JsonObject | undefined;
  for (const c of [config, text]) if (typeof c?.vocab_size === 'number') return c.vocab_size as number;
  return 0;
}

/** config.json / generation_config.json: bos/eos/pad/... ids (eos may be a list), also inside a
 *  multimodal config's text_config. */
function renumberConfig(config: JsonObject, file: string, required: (where: string, id: number) => number): JsonObject {
  const out: JsonObject = structuredClone(config ?? {});
  const renumber = (obj: JsonObject, at: string) => {
    for (const key of SPECIAL_ID_KEYS) {
      const v = obj[key];
      if (typeof v === 'number') obj[key] = required(`${file} ${at}${key}`, v);
      else if (Array.isArray(v)) obj[key] = v.map((id) => (typeof id === 'number' ? required(`${file} ${at}${key}`, id) : id));
    }
  };
  renumber(out, '');
  const text = out.text_config;
  if (typeof text === 'object' && text !== null && !Array.isArray(text)) renumber(text as JsonObject, 'text_config.');
  return out;
}

/** tokenizer_config.json: added_tokens_decoder keys are ids. */
function renumberTokenizerConfig(config: JsonObject, map: Int32Array, notes: string[]): JsonObject {
  const out: JsonObject = structuredClone(config);
  const decoder = config.added_tokens_decoder as JsonObject | undefined;
  if (decoder && typeof decoder === 'object') {
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(decoder)) {
      const id = map[Number(key)] ?? -1;
      if (id >= 0) entries.push([String(id), structuredClone(value)]);
      else notes.push(`tokenizer_config added_tokens_decoder entry ${key} removed`);
    }
    out.added_tokens_decoder = Object.fromEntries(entries);
  }
  return out;
}
