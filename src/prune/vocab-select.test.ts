import { describe, expect, it } from 'vitest';
import { loadModelFiles } from '../tokenizer/test-helpers';
import { readMerges, tokenStringsById } from '../tokenizer/tokenizer-json';
import { mergeParents, MissingCountsError, selectVocabulary, VocabularyTooLargeError, VocabularyTooSmallError } from './vocab-select';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('selectVocabulary on stories260K (V = 512, 259 always kept)', () => {
  const files = loadModelFiles('stories260K');

  it('id order without closure keeps specials, bytes, then the lowest ids', () => {
    const s = selectVocabulary({ ...files, order: 'id', keep: 300, closure: false });
    expect([...s.keptIds]).toEqual(range(0, 300));
    expect(s.byReason).toEqual({ special: 3, byte: 256, ranked: 41, closure: 0 });
    expect(s.alwaysKept).toBe(259);
    expect(s.closure).toBe('off');
  });

  it('rejects V\' below the always-kept minimum or above V, and frequency without counts', () => {
    expect(() => selectVocabulary({ ...files, order: 'id', keep: 258, closure: true })).toThrow(VocabularyTooSmallError);
    expect(() => selectVocabulary({ ...files, order: 'id', keep: 258, closure: true })).toThrow(/V' >= 259/);
    expect(() => selectVocabulary({ ...files, order: 'id', keep: 513, closure: true })).toThrow(VocabularyTooLargeError);
    expect(() => selectVocabulary({ ...files, order: 'frequency', keep: 300, closure: true })).toThrow(MissingCountsError);
    expect(selectVocabulary({ ...files, order: 'id', keep: 259, closure: true }).keptIds.length).toBe(259);
    expect(selectVocabulary({ ...files, order: 'id', keep: 512, closure: true }).keptIds).toEqual(Uint32Array.from(range(0, 512)));
  });

  it('frequency order: descending count, ties by id, uncounted after in id order', () => {
    const counts = new Uint32Array(512);
    counts[500] = 10;
    counts[400] = 10;
    counts[300] = 5;
    counts[5] = 99; // a byte token: always kept anyway
    const pick = (keep: number) => [...selectVocabulary({ ...files, order: 'frequency', counts, keep, closure: false }).keptIds].filter((id) => id >= 259);
    expect(pick(260)).toEqual([400]);
    expect(pick(262)).toEqual([300, 400, 500]);
    expect(pick(264)).toEqual([259, 260, 300, 400, 500]);
  });

  it('predicted order: descending predicted mass (fractional), ties by id', () => {
    const mass = new Float64Array(512).fill(1e-6);
    mass[450] = 0.75;
    mass[320] = 0.25;
    mass[321] = 0.25;
    mass[260] = 1e-7; // below the rest: comes last
    const pick = (keep: number) => [...selectVocabulary({ ...files, order: 'predicted', counts: mass, keep, closure: false }).keptIds].filter((id) => id >= 259);
    expect(pick(260)).toEqual([450]);
    expect(pick(262)).toEqual([320, 321, 450]);
    expect(pick(264)).toEqual([259, 261, 320, 321, 450]);
    expect(pick(512).length).toBe(253);
    expect(() => selectVocabulary({ ...files, order: 'predicted', keep: 300, closure: false })).toThrow(MissingCountsError);
  });

  it('closure keeps the parents of every kept merged token', () => {
    for (const keep of [300, 410]) {
      const s = selectVocabulary({ ...files, order: 'id', keep, closure: true });
      expectClosed(files.tokenizerJson, s.keptIds);
      expect(s.keptIds.length).toBe(keep);
      expect(s.byReason.special + s.byReason.byte + s.byReason.ranked + s.byReason.closure).toBe(keep);
      expect(s.byReason.closure).toBeGreaterThan(0); // single chars sit at the top (410..511)
    }
  });
});

function expectClosed(json: any, keptIds: Uint32Array) {
  const parents = mergeParents(json, tokenStringsById(json));
  const kept = new Set(keptIds);
  let merged = 0;
  for (const id of keptIds) {
    const p = parents[id];
    if (!p) continue;
    merged++;
    expect(kept.has(p[0]) && kept.has(p[1]), `parents of ${id}`).toBe(true);
  }
  expect(merged).toBeGreaterThan(0);
}

describe('selectVocabulary on the larger real vocabularies', () => {
  it('llama-10m: closure differs from id order and is closed', () => {
    const files = loadModelFiles('llama-10m');
    const closed = selectVocabulary({ ...files, order: 'id', keep: 16000, closure: true });
    const literal = selectVocabulary({ ...files, order: 'id', keep: 16000, closure: false });
    expectClosed(files.tokenizerJson, closed.keptIds);
    expect(closed.keptIds).not.toEqual(literal.keptIds);
    expect(closed.keptIds.includes(29871)).toBe(true); // '▁'
    expect(literal.keptIds.includes(29871)).toBe(false);
  });

  it('qwen2-14m: id order is already closed (GPT-2 merges are in id order)', () => {
    const files = loadModelFiles('qwen2-14m');
    for (const keep of [25128, 10051]) {
      const closed = selectVocabulary({ ...files, order: 'id', keep, closure: true });
      expect(closed.keptIds).toEqual(selectVocabulary({ ...files, order: 'id', keep, closure: false }).keptIds);
      expect(closed.byReason.closure).toBe(0);
    }
  });

  it('reads "a b" string merges exactly like [a, b] pairs', () => {
    const files = loadModelFiles('llama-10m');
    const asStrings = structuredClone(files);
    asStrings.tokenizerJson.model.merges = readMerges(files.tokenizerJson.model).map(([a, b]) => `${a} ${b}`);
    const a = selectVocabulary({ ...files, order: 'id', keep: 9000, closure: true });
    const b = selectVocabulary({ ...asStrings, order: 'id', keep: 9000, closure: true });
    expect(b.keptIds).toEqual(a.keptIds);
  });
});

describe('selectVocabulary on synthetic tokenizers', () => {
  // a b c x single symbols; ab = a+b; abc = ab+c
  const bpe = { model: { type: 'BPE', vocab: { a: 0, b: 1, c: 2, ab: 3, abc: 4, x: 5 }, merges: [['a', 'b'], ['ab', 'c']] } };
  const counts = Uint32Array.from([0, 0, 0, 0, 9, 8]); // abc most frequent, then x

  it('skips a token whose closure does not fit and fills with smaller ones after it', () => {
    const small = selectVocabulary({ tokenizerJson: bpe, order: 'frequency', counts, keep: 2, closure: true });
    expect([...small.keptIds]).toEqual([0, 5]); // abc needs 5 slots: skipped; x, then a
    expect(small.byReason).toEqual({ special: 0, byte: 0, ranked: 2, closure: 0 });
    const big = selectVocabulary({ tokenizerJson: bpe, order: 'frequency', counts, keep: 5, closure: true });
    expect([...big.keptIds]).toEqual([0, 1, 2, 3, 4]);
    expect(big.byReason).toEqual({ special: 0, byte: 0, ranked: 1, closure: 4 });
    const literal = selectVocabulary({ tokenizerJson: bpe, order: 'frequency', counts, keep: 2, closure: false });
    expect([...literal.keptIds]).toEqual([4, 5]);
  });

  it('closure is a no-op on Unigram (no merges) and says so', () => {
    const unigram = { model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['▁a', -1], ['b', -2], ['▁ab', -3]] } };
    const s = selectVocabulary({ tokenizerJson: unigram, order: 'id', keep: 2, closure: true });
    expect(s.closure).toBe('not-applicable');
    expect([...s.keptIds]).toEqual([0, 1]);
    expect(s.byReason.special).toBe(1); // unk
  });

  it('config rows past the tokenizer vocabulary rank last', () => {
    const s = selectVocabulary({ tokenizerJson: bpe, config: { vocab_size: 8 }, order: 'id', keep: 7, closure: false });
    expect([...s.keptIds]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(() => selectVocabulary({ tokenizerJson: bpe, config: { vocab_size: 8 }, order: 'id', keep: 9, closure: false })).toThrow(VocabularyTooLargeError);
  });
});
