import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from './byte-level';
import { alwaysKeptTokens } from './special';
import { loadModelFiles } from './test-helpers';

const count = (m: Map<number, string>, reason: string) => [...m.values()].filter((r) => r === reason).length;

describe('alwaysKeptTokens on the fixture tokenizers', () => {
  it('SentencePiece byte fallback: <unk> <s> </s> + <0x00>..<0xFF>', () => {
    for (const model of ['stories260K', 'llama-10m'] as const) {
      const f = loadModelFiles(model);
      const kept = alwaysKeptTokens(f.tokenizerJson, f.tokenizerConfig, f.generationConfig, f.config);
      expect(count(kept, 'special')).toBe(3);
      expect(count(kept, 'byte')).toBe(256);
      expect([0, 1, 2].map((id) => kept.get(id))).toEqual(['special', 'special', 'special']);
      // byte tokens follow the specials at ids 3..258
      for (let id = 3; id < 259; id++) expect(kept.get(id)).toBe('byte');
    }
  });

  it('GPT-2 byte level: <|endoftext|> + the 256 symbols (ids 0..255)', () => {
    const f = loadModelFiles('qwen2-14m');
    const kept = alwaysKeptTokens(f.tokenizerJson, f.tokenizerConfig, f.generationConfig, f.config);
    expect(kept.size).toBe(257);
    expect(kept.get(50256)).toBe('special');
    const vocab = f.tokenizerJson.model.vocab as Record<string, number>;
    for (const ch of BYTE_TO_CHAR) expect(kept.get(vocab[ch]!)).toBe('byte');
    expect(Math.max(...BYTE_TO_CHAR.map((ch) => vocab[ch]!))).toBe(255);
  });

  it('Gemma layout: 107 added tokens (specials and <unusedN>) at 0..106, then <0x00>..<0xFF>', () => {
    const f = loadModelFiles('gemma-style');
    const kept = alwaysKeptTokens(f.tokenizerJson, f.tokenizerConfig, f.generationConfig, f.config);
    expect(count(kept, 'special')).toBe(107);
    expect(count(kept, 'byte')).toBe(256);
    for (let id = 0; id < 107; id++) expect(kept.get(id)).toBe('special');
    for (let id = 107; id < 363; id++) expect(kept.get(id)).toBe('byte');
    expect(kept.has(363)).toBe(false); // the first merged piece is prunable
  });
});

describe('alwaysKeptTokens on a synthetic tokenizer', () => {
  const vocab: Record<string, number> = { a: 0, b: 1, ab: 2, '<pad>': 3, '<cls>': 4, '<sep>': 5, '<eot>': 6, '<im_end>': 7, '<unk>': 8, x: 9 };
  const json = {
    model: { type: 'BPE', vocab, merges: ['a b'], unk_token: '<unk>' },
    added_tokens: [{ id: 7, content: '<im_end>', special: true }],
    post_processor: {
      type: 'Sequence',
      processors: [{ type: 'RobertaProcessing', cls: ['<cls>', 4], sep: ['<sep>', 5] }],
    },
  };

  it('collects ids from every config, eos lists, post-processor and unk', () => {
    const kept = alwaysKeptTokens(
      json,
      { pad_token: { content: '<pad>' }, extra_special_tokens: { eot: '<eot>' } },
      { eos_token_id: [6, 7] },
      { bos_token_id: null, eos_token_id: 6 },
    );
    expect([...kept.keys()].sort((x, y) => x - y)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(count(kept, 'byte')).toBe(0); // neither byte level nor byte fallback
  });

  it('reads added_tokens_decoder ids and ignores names that are not tokens', () => {
    const kept = alwaysKeptTokens(json, { added_tokens_decoder: { '9': { content: 'x' } }, bos_token: '<nope>' });
    expect([...kept.keys()].sort((x, y) => x - y)).toEqual([4, 5, 7, 8, 9]);
  });
});
