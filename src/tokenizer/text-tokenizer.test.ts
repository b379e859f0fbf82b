// TextTokenizer against the reference ids of the fixture tokenizers (Python `tokenizers`;
// Rust `tokenizers` for gemma-style), on the whole of both fixture corpora.
import { describe, expect, it } from 'vitest';
import { planLineChunking } from './line-chunks';
import { TextTokenizer } from './text-tokenizer';
import { CORPORA, loadCorpus, loadModelFiles, loadReference, MODELS } from './test-helpers';

const corpora = Object.keys(CORPORA) as (keyof typeof CORPORA)[];

describe.each(MODELS)('TextTokenizer on %s', (model) => {
  const files = loadModelFiles(model);
  const tok = TextTokenizer.fromJson(files.tokenizerJson, files.tokenizerConfig);
  const reference = loadReference(model);

  it.each(corpora)('reproduces the reference ids of %s and counts its bytes', (corpus) => {
    const text = loadCorpus(corpus);
    const t0 = performance.now();
    const ids = tok.encode(text);
    const ms = performance.now() - t0;
    const ref = reference.results[corpus];
    console.log(`${model} ${corpus}: ${ids.length} tokens in ${ms.toFixed(0)} ms (${(text.length / 1e3 / (ms / 1e3)).toFixed(0)} k chars/s)`);
    expect(ids.length).toBe(ref.total_tokens);
    expect(ids.slice(0, 4096)).toEqual(ref.ids_first_4096);

    // Sum of per-token bytes = UTF-8 bytes of the text, plus one for the '▁'
    // a SentencePiece-style tokenizer puts in front of the text: always for a
    // Prepend normalizer (stories260K), for Metaspace only when the text does
    // not already start with a space (llama-10m: wikitext2 starts with ' '),
    // never for Gemma (no dummy prefix).
    let bytes = 0;
    for (const id of ids) bytes += tok.tokenByteLength(id);
    const prefix = model === 'stories260K' || (model === 'llama-10m' && !text.startsWith(' ')) ? 1 : 0;
    expect(bytes).toBe(Buffer.byteLength(text, 'utf8') + prefix);
  });

  it('encodes in line chunks exactly as in one piece (where it chunks)', () => {
    const plan = planLineChunking(files.tokenizerJson, files.tokenizerConfig);
    // byte-level BPE splits into words itself and is never chunked
    expect(plan.ok, plan.ok ? '' : plan.reason).toBe(model !== 'qwen2-14m');
    for (const corpus of corpora) {
      const text = loadCorpus(corpus).slice(0, 60_000); // ~15 cuts at 4096 chars
      expect(tok.encode(text)).toEqual(tok.encodeUnchunked(text));
    }
  });

  it('encodes in parts whose ids, concatenated, are encode() exactly (the CLI encodes parts on worker threads)', () => {
    const text = loadCorpus(corpora[0]).slice(0, 60_000);
    const whole = tok.encode(text);
    for (const parts of [2, 3, 7]) {
      const ids = Array.from({ length: parts }, (_, p) => tok.encodePart(text, p, parts)).flat();
      expect(ids, `${parts} parts`).toEqual(whole);
    }
    expect(tok.encodePart('short text', 1, 2)).toEqual([]); // a text encoded whole belongs to part 0
  });

  it('decodes ids back to the text and has the reference token strings', () => {
    const text = loadCorpus('tinystories').slice(0, 2000);
    const ids = tok.encode(text);
    // SentencePiece decoders strip the one leading space they added
    expect(tok.decode(ids)).toBe(text);
    expect(tok.vocabSize).toBe(files.config.vocab_size);
    // the text starts "Once upon": byte-level keeps 'Once', SentencePiece adds '▁', Gemma does not
    if (model === 'qwen2-14m') expect(tok.tokenString(ids[0]!)).toBe('Once');
    else if (model === 'gemma-style') expect(tok.tokenString(ids[0]!)).toMatch(/^O/);
    else expect(tok.tokenString(ids[0]!)).toMatch(/^▁O/);
  });
});

describe('tokenByteLength per token kind', () => {
  it('counts ▁, <0xXX>, byte-level symbols and specials', () => {
    const llama = loadModelFiles('llama-10m');
    const spm = TextTokenizer.fromJson(llama.tokenizerJson, llama.tokenizerConfig);
    const id = (t: TextTokenizer, s: string) => t.encode(s);
    expect(spm.tokenString(1)).toBe('<s>');
    expect(spm.tokenByteLength(1)).toBe(0); // special
    expect(spm.tokenByteLength(0x0a + 3)).toBe(1); // <0x0A> sits at id 13
    expect(spm.tokenString(0x0a + 3)).toBe('<0x0A>');
    const the = id(spm, 'the');
    expect(the.map((i) => spm.tokenString(i))).toEqual(['▁the']);
    expect(spm.tokenByteLength(the[0]!)).toBe(4);
    const qwen = loadModelFiles('qwen2-14m');
    const bl = TextTokenizer.fromJson(qwen.tokenizerJson, qwen.tokenizerConfig);
    const euro = id(bl, ' €'); // 1 + 3 bytes, written as 'Ġ' + three symbols
    expect(euro.reduce((s, i) => s + bl.tokenByteLength(i), 0)).toBe(4);
    expect(bl.tokenByteLength(50256)).toBe(0); // <|endoftext|>
    const gemma = loadModelFiles('gemma-style');
    const g = TextTokenizer.fromJson(gemma.tokenizerJson, gemma.tokenizerConfig);
    expect([0, 1, 2, 106].map((i) => [g.tokenString(i), g.tokenByteLength(i)])).toEqual([['<pad>', 0], ['<eos>', 0], ['<bos>', 0], ['<end_of_turn>', 0]]);
    expect(g.tokenString(107 + 0x0a)).toBe('<0x0A>'); // bytes follow Gemma's 107 added tokens
    expect(g.tokenByteLength(107 + 0x0a)).toBe(1);
    const gthe = id(g, ' the'); // no dummy prefix: the space is the text's own
    expect(gthe.map((i) => g.tokenString(i))).toEqual(['▁the']);
    expect(g.tokenByteLength(gthe[0]!)).toBe(4);
  });
});
