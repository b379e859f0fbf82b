// The engine on a real model (stories260K, F32): the eval protocol against transformers'
// reference.json, calibration + pruning settings, and the errors a user can hit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { FIXTURES, STORIES260K } from '../testing/fixtures';
import { openSession, type EngineSession } from './session';

const MODEL = STORIES260K;
const reference = JSON.parse(readFileSync(join(MODEL, 'reference.json'), 'utf8'));
const corpus = (name: string) => readFileSync(join(FIXTURES, 'corpora', name), 'utf8');

describe('EngineSession on stories260K', () => {
  let s: EngineSession;
  beforeAll(async () => {
    const { device } = await testDevice();
    s = await openSession(device, await openNodeFolder(MODEL));
  });

  for (const [key, file] of [['tinystories', 'tinystories-heldout.txt'], ['wikitext2', 'wikitext2-test.raw']]) {
    it(`eval matches transformers' mean NLL on ${key} (first 4096 tokens, windows of 256)`, async () => {
      const r = await s.evaluate(null, corpus(file), { tokens: 4096, seq: 256 });
      const ref = reference.results[key].n4096_s256;
      const diff = Math.abs(r.mean_nll - ref.mean_nll);
      console.log(`${key}: ours ${r.mean_nll} transformers ${ref.mean_nll} |diff| ${diff.toExponential(2)}`);
      expect(r.windows).toBe(16);
      expect(r.predicted).toBe(4080);
      expect(diff).toBeLessThanOrEqual(1e-4);
    });
  }

  it('prepends BOS to every window with bos: true', async () => {
    const text = corpus('tinystories-heldout.txt');
    const plain = await s.evaluate(null, text, { tokens: 1020, seq: 256 });
    const bos = await s.evaluate(null, text, { tokens: 1020, seq: 256, bos: true });
    expect(plain.windows).toBe(3); // 1020 tokens: 3 windows of 256
    expect(bos.windows).toBe(4); // BOS + 255 tokens each: 4 windows
    expect(bos.predicted).toBe(4 * 255);
    // the first prediction of each window now has BOS as context: the NLLs differ
    expect(Math.abs(bos.mean_nll - plain.mean_nll)).toBeGreaterThan(1e-4);
  });

  it('measures prefill (GPU timer) and KV-cache decode latency, consistent with the wall time', async () => {
    const wall0 = performance.now();
    const l = await s.latency(null);
    const wall = performance.now() - wall0;
    expect(l.decodeMsPerToken).not.toBeNull(); // stories260K is resident
    const decodeMs = l.decodeMsPerToken!;
    const prefillMs = (128 / l.prefillTokensPerSecond) * 1000; // one prefill of 128 tokens
    console.log(`prefill ${l.prefillTokensPerSecond.toFixed(0)} tok/s (${prefillMs.toFixed(1)} ms / 128 tokens), decode ${decodeMs.toFixed(1)} ms/token, call ${wall.toFixed(0)} ms (${l.note})`);
    expect(Number.isFinite(l.prefillTokensPerSecond) && l.prefillTokensPerSecond > 0).toBe(true);
    expect(Number.isFinite(decodeMs) && decodeMs > 0).toBe(true);
    // latency() times 3 prefills after a warm-up (median: 2 of them took at least that long) and
    // 5 decode steps after two (median: 3 took at least that long), all inside this call
    expect(2 * prefillMs + 3 * decodeMs).toBeLessThanOrEqual(wall);
    // a batched prefill costs less per token than one decode step (a whole forward for one token)
    expect(prefillMs / 128).toBeLessThan(decodeMs);
  });

  it('reports the parameter split of the model', () => {
    const p = s.summary().params;
    expect(p).toEqual({ embedding: 32768, lmHead: 0, attention: 61440, ffn: 165120, norms: 704, total: 260032 });
  });

  it('refuses bad pruning settings with clear errors', async () => {
    expect(() => s.planSummary({ vocabKeep: 100, ffnKeep: 100 })).toThrow(/too small/);
    expect(() => s.planSummary({ vocabKeep: 512, ffnKeep: 0 })).toThrow(/FFN channels to keep/);
    expect(() => s.planSummary({ vocabKeep: 600, ffnKeep: 10 })).toThrow(/1\.\.512/);
    await expect(s.calibrate('', { samples: 2, sampleTokens: 64, vocabOrder: 'id', criterion: 'common-act2', closure: true })).rejects.toThrow(/empty/);
    await expect(s.calibrate('Once upon a time.', { samples: 2, sampleTokens: 64, vocabOrder: 'id', criterion: 'common-act2', closure: true })).rejects.toThrow(/fewer than 2 samples x 64 tokens/);
    await expect(s.exportPruned({ vocabKeep: 512, ffnKeep: 100 }, { create: async () => { throw new Error('unreachable'); } })).rejects.toThrow(/calibrate first/);
  });

  it('calibrates, prunes the FFN on the GPU and evaluates the pruned model', async () => {
    const cal = await s.calibrate(corpus('wikitext2-test.raw'), { samples: 2, sampleTokens: 128, vocabOrder: 'id', criterion: 'common-act2', closure: true });
    expect(cal.tokens).toBe(256);
    expect(cal.minVocab).toBe(259);
    const text = corpus('tinystories-heldout.txt');
    const dense = await s.evaluate(null, text, { tokens: 1024, seq: 128 });
    const pruned = await s.evaluate({ vocabKeep: 512, ffnKeep: 150 }, text, { tokens: 1024, seq: 128 });
    const same = await s.evaluate({ vocabKeep: 512, ffnKeep: 172 }, text, { tokens: 1024, seq: 128 });
    console.log(`dense ${dense.bits_per_byte}  I'=150 ${pruned.bits_per_byte}  I'=172 ${same.bits_per_byte}`);
    expect(Math.abs(same.mean_nll - dense.mean_nll)).toBeLessThan(1e-6);
    expect(pruned.mean_nll).toBeGreaterThan(dense.mean_nll);
    const text2 = await s.generate(null, 'Once upon a time', 8);
    expect(text2.length).toBeGreaterThan(0);
    console.log(`continuation: ${JSON.stringify(text2)}`);
    expect(text2).toMatch(/^, there was/); // the story opening this model was trained on
  });
});
