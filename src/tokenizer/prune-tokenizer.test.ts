import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { mergeParents, selectVocabulary } from '../prune/vocab-select';
import { KeptIdsError, oldToNew, pruneTokenizerFiles, RemovedSpecialTokenError } from './prune-tokenizer';
import { alwaysKeptTokens } from './special';
import { TextTokenizer } from './text-tokenizer';
import { loadCorpus, loadModelFiles, MODELS, type FixtureModel } from './test-helpers';
import { mergeResult, readMerges, tokenStringsById } from './tokenizer-json';

/** A held-out WikiText paragraph (no leading space: SentencePiece decoders strip one). */
const paragraph = loadCorpus('wikitext2')
  .split('\n')
  .find((line) => line.length > 800)!
  .trim();

const SPACE_PIECE: Partial<Record<FixtureModel, number>> = {
  'llama-10m': 29871,
  stories260K: 410,
  'gemma-style': (loadModelFiles('gemma-style').tokenizerJson.model.vocab as Record<string, number>)['▁'],
};

describe.each(MODELS)('pruneTokenizerFiles on %s', (model) => {
  const files = loadModelFiles(model);
  const json = files.tokenizerJson;
  const vocabSize = files.config.vocab_size as number;
  const strings = tokenStringsById(json);
  const specials = [...alwaysKeptTokens(json, files.tokenizerConfig, files.generationConfig, files.config)].filter(([, r]) => r === 'special').map(([id]) => id);
  const minimum = alwaysKeptTokens(json, files.tokenizerConfig, files.generationConfig, files.config).size;
  const dense = TextTokenizer.fromJson(json, files.tokenizerConfig);
  const denseIds = dense.encode(paragraph);
  const keeps = [0.5, 0.2].map((f) => minimum + Math.round(f * (vocabSize - minimum))).concat(minimum + 10);

  const cases = keeps.flatMap((keep) => [true, false].map((closure) => ({ keep, closure })));
  it.each(cases)('V\' = $keep, closure $closure: consistent, loadable, round trip', ({ keep, closure }) => {
    const { keptIds } = selectVocabulary({ ...files, order: 'id', keep, closure });
    const pruned = pruneTokenizerFiles(files, keptIds);
    const out = pruned.tokenizerJson;
    const map = oldToNew(keptIds, vocabSize);

    // ids dense 0..V'-1, old order, same strings
    const vocab = out.model.vocab as Record<string, number>;
    // (sorted: JS objects list integer-like keys such as "15" first)
    expect(Object.values(vocab).sort((x, y) => x - y)).toEqual([...keptIds.keys()]);
    for (const [token, id] of Object.entries(vocab)) expect(strings[keptIds[id]!]).toBe(token);
    expect(pruned.config.vocab_size).toBe(keep);

    // every merge refers to kept tokens only
    for (const [a, b] of readMerges(out.model)) {
      for (const t of [a, b, mergeResult(out.model, a, b)]) expect(vocab[t], `merge ${a} ${b}`).toBeDefined();
    }

    // specials keep their strings; config ids point at the same tokens
    for (const id of specials) expect(strings[id]).toBe(tokenStringsById(out)[map[id]!]);
    expect(out.added_tokens.map((t: { content: string }) => t.content)).toEqual(json.added_tokens!.map((t) => t.content));
    for (const c of [pruned.config, pruned.generationConfig]) {
      // eos may be one id or a list (Gemma: [1, 106]); every one must name the same token
      const ids = (v: unknown) => [v].flat() as number[];
      expect(ids(c.eos_token_id).map((id) => tokenStringsById(out)[id])).toEqual(ids(files.config.eos_token_id).map((id) => strings[id]));
      expect(tokenStringsById(out)[c.bos_token_id]).toBe(strings[files.config.bos_token_id as number]);
    }

    // with closure every kept merged token keeps the merge that produces it
    if (closure) {
      const before = mergeParents(json, strings);
      const after = mergeParents(out, tokenStringsById(out));
      keptIds.forEach((old, id) => expect(Boolean(after[id]), strings[old]).toBe(Boolean(before[old])));
    }

    // loads in @huggingface/tokenizers; a paragraph with removed tokens encodes to kept ids
    expect(denseIds.some((id) => map[id]! < 0)).toBe(true);
    const tok = TextTokenizer.fromJson(out, pruned.tokenizerConfig);
    expect(tok.vocabSize).toBe(keep);
    const ids = tok.encode(paragraph);
    expect(ids.every((id) => id >= 0 && id < keep)).toBe(true);
    const decoded = tok.decode(ids);
    const space = SPACE_PIECE[model];
    if (space !== undefined && map[space]! < 0) {
      // SentencePiece without '▁': spaces are encoded as the bytes of '▁'
      // (E2 96 81) and the decoder's Replace('▁' -> ' ') runs before the bytes
      // are fused, so the text comes back with '▁' for every space, prefix included.
      expect(closure).toBe(false);
      expect(decoded).toBe((model === 'gemma-style' ? '' : '▁') + paragraph.replaceAll(' ', '▁')); // Gemma adds no prefix
    } else {
      expect(decoded).toBe(paragraph);
    }
  });

  it('keeping every token is the identity', () => {
    const all = Uint32Array.from(strings.keys());
    const pruned = pruneTokenizerFiles(files, all);
    expect(pruned.tokenizerJson).toEqual(json);
    expect(pruned.config).toEqual(files.config);
    expect(pruned.generationConfig).toEqual(files.generationConfig);
    expect(pruned.tokenizerConfig).toEqual(files.tokenizerConfig);
    const tok = new Tokenizer(pruned.tokenizerJson, pruned.tokenizerConfig);
    expect(tok.encode(paragraph, { add_special_tokens: false }).ids).toEqual(denseIds);
  });

  it('leaves its inputs untouched and refuses to drop bos/eos', () => {
    const input = loadModelFiles(model);
    const { keptIds } = selectVocabulary({ ...input, order: 'id', keep: minimum + 10, closure: true });
    pruneTokenizerFiles(input, keptIds);
    expect(input).toEqual(loadModelFiles(model));
    const eos = [files.config.eos_token_id].flat()[0] as number;
    const withoutEos = Uint32Array.from([...keptIds].filter((id) => id !== eos));
    expect(() => pruneTokenizerFiles(input, withoutEos)).toThrow(RemovedSpecialTokenError);
  });
});

describe('pruneTokenizerFiles id fields on a synthetic tokenizer', () => {
  const files = {
    tokenizerJson: {
      model: { type: 'BPE', vocab: { '<cls>': 0, a: 1, b: 2, ab: 3, '<sep>': 4, '<pad>': 5 }, merges: ['a b'] },
      added_tokens: [
        { id: 0, content: '<cls>', special: true },
        { id: 4, content: '<sep>', special: true },
        { id: 5, content: '<pad>', special: true },
      ],
      post_processor: {
        type: 'Sequence',
        processors: [
          { type: 'RobertaProcessing', cls: ['<cls>', 0], sep: ['<sep>', 4] },
          { type: 'TemplateProcessing', special_tokens: { '<cls>': { id: '<cls>', ids: [0], tokens: ['<cls>'] } } },
        ],
      },
    },
    tokenizerConfig: { added_tokens_decoder: { '0': { content: '<cls>' }, '4': { content: '<sep>' }, '5': { content: '<pad>' } } },
    generationConfig: { eos_token_id: [4, 0], pad_token_id: 5, decoder_start_token_id: 0 },
    config: { vocab_size: 6, bos_token_id: 0, eos_token_id: [4], pad_token_id: 5 },
  };

  it('renumbers post-processor, added tokens, configs; drops merges of removed tokens', () => {
    const pruned = pruneTokenizerFiles(files, Uint32Array.from([0, 1, 4, 5])); // b and ab removed
    const j = pruned.tokenizerJson;
    expect(j.model.vocab).toEqual({ '<cls>': 0, a: 1, '<sep>': 2, '<pad>': 3 });
    expect(j.model.merges).toEqual([]);
    expect(j.added_tokens.map((t: { id: number }) => t.id)).toEqual([0, 2, 3]);
    expect(j.post_processor.processors[0]).toMatchObject({ cls: ['<cls>', 0], sep: ['<sep>', 2] });
    expect(j.post_processor.processors[1].special_tokens['<cls>'].ids).toEqual([0]);
    expect(Object.keys(pruned.tokenizerConfig.added_tokens_decoder)).toEqual(['0', '2', '3']);
    expect(pruned.generationConfig).toEqual({ eos_token_id: [2, 0], pad_token_id: 3, decoder_start_token_id: 0 });
    expect(pruned.config).toEqual({ vocab_size: 4, bos_token_id: 0, eos_token_id: [2], pad_token_id: 3 });
    expect(pruned.notes.join('\n')).toMatch(/merges 1 -> 0/);
  });

  it('oldToNew maps removed ids to -1 and rejects bad kept ids', () => {
    expect([...oldToNew(Uint32Array.from([1, 3]), 5)]).toEqual([-1, 0, -1, 1, -1]);
    expect(() => oldToNew(Uint32Array.from([3, 1]), 5)).toThrow(KeptIdsError);
    expect(() => oldToNew(Uint32Array.from([1, 7]), 5)).toThrow(KeptIdsError);
  });
});
