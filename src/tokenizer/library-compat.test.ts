import { describe, expect, it } from 'vitest';
import { adaptForLibrary } from './library-compat';
import { TextTokenizer } from './text-tokenizer';
import { loadModelFiles, MODELS } from './test-helpers';

describe('adaptForLibrary', () => {
  it('leaves the fixture tokenizers untouched', () => {
    for (const model of MODELS) {
      const { tokenizerJson } = loadModelFiles(model);
      expect(adaptForLibrary(tokenizerJson)).toEqual({ json: tokenizerJson, changes: [] });
    }
  });

  it('Metaspace split=true cuts before every ▁ like Rust (MergedWithNext)', () => {
    const files = loadModelFiles('llama-10m');
    const splitJson = structuredClone(files.tokenizerJson);
    splitJson.pre_tokenizer = { ...splitJson.pre_tokenizer, split: true };
    const unsplit = TextTokenizer.fromJson(files.tokenizerJson, files.tokenizerConfig);
    const split = TextTokenizer.fromJson(splitJson, files.tokenizerConfig);
    expect(split.compatChanges).toHaveLength(1);
    // '▁▁' is merge rank 0: unsplit, two spaces merge first; split, each word keeps its own '▁'
    const text = 'the  cat';
    expect(unsplit.encode(text).map((id) => unsplit.tokenString(id))).toContain('▁▁');
    expect(split.encode(text).map((id) => split.tokenString(id))).toEqual(['▁the', '▁', '▁cat']); // Rust's words
    expect(split.decode(split.encode(text))).toBe(text);
  });

  it('Metaspace without prepend_scheme follows add_prefix_space', () => {
    const files = loadModelFiles('llama-10m');
    const legacy = structuredClone(files.tokenizerJson);
    legacy.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: false, split: false };
    const tok = TextTokenizer.fromJson(legacy, files.tokenizerConfig);
    expect(tok.compatChanges[0]).toMatch(/never/);
    expect(tok.tokenString(tok.encode('the')[0]!)).not.toBe('▁the');
  });
});
