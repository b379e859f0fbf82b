// Which vocabulary rows a pruned model keeps (pure, no GPU).
//
// Priority: always-kept tokens (special + byte, see tokenizer/special.ts), then
// ranked tokens: 'id' = ascending id (the paper: BPE ids roughly follow merge
// order, so high ids are rare); 'frequency' = descending calibration count, ties
// by id, uncounted tokens after in id order; 'predicted' = descending predicted
// probability mass over the calibration positions (the model's own estimate). Ids with no token string (padding
// rows past the tokenizer's vocabulary) come last in both orders.
//
// Merge closure (on by default): a BPE token is kept only together with the two
// tokens its merge is built from, recursively (the FIRST merge in the list that
// produces it; single characters, byte tokens and added tokens have no parent),
// so every kept token stays producible by the pruned tokenizer. V' is filled in
// priority order; our choice when a candidate's closure (it plus its not yet
// kept ancestors) does not fit the remaining budget: skip it and keep going, so
// a later token with a smaller closure may still fit. Budget is never exceeded
// and always filled: merges only build longer strings from shorter ones, so
// some unkept token always has all its parents kept (closure of size 1).
// Without closure the paper literally: always-kept, then the first
// keep - alwaysKept ranked tokens.
import { alwaysKeptTokens } from '../tokenizer/special';
import type { TokenizerJson } from '../tokenizer/tokenizer-json';
import { mergeResult, readMerges, tokenStringsById } from '../tokenizer/tokenizer-json';

export interface VocabSelectionInput {
  tokenizerJson: any;
  tokenizerConfig?: any;
  generationConfig?: any;
  config?: any;
  order: 'id' | 'frequency' | 'predicted';
  /** scores per id (length >= V), higher kept first: calibration counts for 'frequency', the
   *  model's summed next-token probabilities for 'predicted' (prune/token-probs.ts); unused by 'id'. */
  counts?: ArrayLike<number>;
  keep: number; // V'
  closure: boolean;
}

export interface VocabSelection {
  /** ascending old ids, length = keep. */
  keptIds: Uint32Array;
  /** how many kept ids each rule contributed (sums to keep). */
  byReason: { special: number; byte: number; ranked: number; closure: number };
  /** the minimum legal keep: special + byte tokens. */
  alwaysKept: number;
  /** 'on' (merge closure enforced), 'off', or 'not-applicable' (not a BPE model:
   *  Unigram/WordPiece tokens have no merge parents, closure is a no-op). */
  closure: 'on' | 'off' | 'not-applicable';
}

export class VocabularyTooSmallError extends Error {
  constructor(readonly keep: number, readonly minimum: number) {
    super(`A vocabulary of ${keep} tokens is too small: ${minimum} special and byte tokens must always be kept. Choose V' >= ${minimum}.`);
    this.name = 'VocabularyTooSmallError';
  }
}

export class VocabularyTooLargeError extends Error {
  constructor(readonly keep: number, readonly vocabSize: number) {
    super(`Cannot keep ${keep} tokens: the model has only ${vocabSize}. Choose V' <= ${vocabSize}.`);
    this.name = 'VocabularyTooLargeError';
  }
}

export class MissingCountsError extends Error {
  constructor(vocabSize: number) {
    super(`Frequency order needs calibration counts for all ${vocabSize} ids. Run calibration first, or use id order.`);
    this.name = 'MissingCountsError';
  }
}

export function selectVocabulary(input: VocabSelectionInput): VocabSelection {
  const json = input.tokenizerJson as TokenizerJson;
  const strings = tokenStringsById(json);
  const configRows = typeof input.config?.vocab_size === 'number' ? (input.config.vocab_size as number) : 0;
  const vocabSize = Math.max(strings.length, configRows); // V (embedding rows)
  const always = alwaysKeptTokens(json, input.tokenizerConfig, input.generationConfig, input.config);
  const { keep } = input;
  if (!Number.isInteger(keep)) throw new RangeError(`V' must be a whole number of tokens, got ${keep}.`);
  if (keep > vocabSize) throw new VocabularyTooLargeError(keep, vocabSize);
  if (keep < always.size) throw new VocabularyTooSmallError(keep, always.size);

  const kept = new Uint8Array(vocabSize);
  const byReason = { special: 0, byte: 0, ranked: 0, closure: 0 };
  for (const [id, reason] of always) {
    kept[id] = 1;
    byReason[reason]++;
  }
  let budget = keep - always.size;
  const isBpe = json.model?.type === 'BPE';
  const parents = input.closure && isBpe ? mergeParents(json, strings) : null;

  for (const id of rankedIds(input, strings, vocabSize)) {
    if (budget === 0) break;
    if (kept[id]) continue;
    if (!parents) {
      kept[id] = 1;
      byReason.ranked++;
      budget--;
      continue;
    }
    const missing = missingClosure(id, parents, kept);
    if (missing.length > budget) continue; // skip; a smaller closure later may fit
    for (const m of missing) kept[m] = 1;
    byReason.ranked++;
    byReason.closure += missing.length - 1;
    budget -= missing.length;
  }

  const keptIds = new Uint32Array(keep - budget);
  let n = 0;
  for (let id = 0; id < vocabSize; id++) if (kept[id]) keptIds[n++] = id;
  return { keptIds, byReason, alwaysKept: always.size, closure: !input.closure ? 'off' : isBpe ? 'on' : 'not-applicable' };
}

/** Ranked candidate order (always-kept ids included; the caller skips them). */
function rankedIds(input: VocabSelectionInput, strings: (string | undefined)[], vocabSize: number): Uint32Array {
  const ids = new Uint32Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) ids[id] = id;
  const hole = (id: number) => (strings[id] === undefined ? 1 : 0);
  if (input.order === 'id') return ids.sort((a, b) => hole(a) - hole(b) || a - b);
  const counts = input.counts;
  if (!counts || counts.length < vocabSize) throw new MissingCountsError(vocabSize);
  return ids.sort((a, b) => hole(a) - hole(b) || counts[b]! - counts[a]! || a - b);
}

/**
 * parents[id] = [left, right] of the first merge producing token id, or
 * undefined (no merge produces it). Merges whose parts or result are not in
 * the vocabulary are ignored (they can never fire).
 */
export function mergeParents(json: TokenizerJson, strings: (string | undefined)[]): ([number, number] | undefined)[] {
  const idOf = new Map<string, number>();
  strings.forEach((s, id) => s !== undefined && !idOf.has(s) && idOf.set(s, id));
  const parents: ([number, number] | undefined)[] = new Array(strings.length);
  for (const [a, b] of readMerges(json.model)) {
    const child = idOf.get(mergeResult(json.model, a, b));
    const left = idOf.get(a);
    const right = idOf.get(b);
    if (child === undefined || left === undefined || right === undefined || parents[child]) continue;
    parents[child] = [left, right];
  }
  return parents;
}

/** id and its not yet kept merge ancestors, each once (id first). */
function missingClosure(id: number, parents: ([number, number] | undefined)[], kept: Uint8Array): number[] {
  const seen = new Set<number>([id]);
  const stack = [id];
  while (stack.length) {
    const pair = parents[stack.pop()!];
    if (!pair) continue;
    for (const p of pair) {
      if (kept[p] || seen.has(p)) continue;
      seen.add(p);
      stack.push(p);
    }
  }
  return [...seen];
}
