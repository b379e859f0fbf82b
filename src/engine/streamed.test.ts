// Streamed passes (one decoder layer at a time under a small GPU memory budget) give the
// resident results: the same kept tokens and FFN channels, scores equal to float rounding, the
// same bits per byte, and byte-identical exports. On a random-weight BF16 model with the real
// Llama-2 32k tokenizer, generated at test time (src/bench/random-model.ts).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHAPES, writeRandomModel } from '../bench/random-model';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { nodeOutputFolder } from '../io/node-output';
import { corpusPath, tokenizerFixtureDir } from '../testing/fixtures';
import { openSession, type EngineSession } from './session';

const TOKENIZER = tokenizerFixtureDir('llama-10m'); // Llama-2 32k tokenizer + llama-10m's configs
const TEXT = corpusPath('tinystories');

describe('streamed = resident (tiny-32k: BF16, V=32000)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-streamed-'));
    await writeRandomModel(await nodeOutputFolder(join(dir, 'model')), {
      shape: SHAPES['tiny-32k'],
      dtype: 'BF16',
      tokenizerJson: readFileSync(join(TOKENIZER, 'tokenizer.json'), 'utf8'),
      tokenizerConfig: readFileSync(join(TOKENIZER, 'tokenizer_config.json'), 'utf8'),
      bosId: 1,
      eosId: 2,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('calibrates, selects, evaluates and exports the same in both modes', async () => {
    const text = readFileSync(TEXT, 'utf8').slice(0, 20000);
    const opts = { samples: 4, sampleTokens: 64, vocabOrder: 'frequency', criterion: 'common-act2', closure: true } as const;
    const req = { vocabKeep: 20000, ffnKeep: 100 };
    const run = async (gpuMemoryBytes: number) => {
      const { device } = await testDevice();
      const s: EngineSession = await openSession(device, await openNodeFolder(join(dir, 'model')), { gpuMemoryBytes });
      // the session destroys its device on dispose: keep the shared test device alive
      s.gpu.device.destroy = () => {};
      const t0 = performance.now();
      await s.calibrate(text, opts);
      const t1 = performance.now();
      const { sel } = await s.selection(req);
      const t2 = performance.now();
      const bpb = (await s.evaluate(req, text, { tokens: 256, seq: 128 })).bits_per_byte;
      const t3 = performance.now();
      const out = join(dir, `out-${s.plan.mode}`);
      await s.exportPruned(req, await nodeOutputFolder(out));
      console.log(`${s.plan.mode}: calibrate ${(t1 - t0).toFixed(0)} ms, select ${(t2 - t1).toFixed(0)} ms, evaluate ${(t3 - t2).toFixed(0)} ms, export ${(performance.now() - t3).toFixed(0)} ms`);
      const peak = s.memory().peakBytes;
      const mode = s.plan.mode;
      s.dispose();
      return { sel, bpb, out, peak, mode };
    };
    const resident = await run(1 << 30);
    const budget = 8 << 20;
    const streamed = await run(budget);
    expect(resident.mode).toBe('resident');
    expect(streamed.mode).toBe('streamed');
    console.log(`GPU peak: resident ${(resident.peak / 2 ** 20).toFixed(1)} MiB, streamed ${(streamed.peak / 2 ** 20).toFixed(1)} MiB (budget ${budget / 2 ** 20} MiB); bits/byte ${resident.bpb} vs ${streamed.bpb}`);
    expect(streamed.peak).toBeLessThanOrEqual(budget);
    expect(Array.from(streamed.sel.keptVocab)).toEqual(Array.from(resident.sel.keptVocab));
    streamed.sel.keptFfn.forEach((k, l) => expect(Array.from(k)).toEqual(Array.from(resident.sel.keptFfn[l])));
    expect(Math.abs(streamed.bpb - resident.bpb)).toBeLessThanOrEqual(1e-6);
    const files = readdirSync(resident.out).sort();
    expect(readdirSync(streamed.out).sort()).toEqual(files);
    for (const f of files) expect(Buffer.compare(readFileSync(join(resident.out, f)), readFileSync(join(streamed.out, f)))).toBe(0);
  });
});
