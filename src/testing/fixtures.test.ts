// The fixtures this repository makes itself: the Gemma-style tokenizer is what its script
// writes, and the random-weight models of every family load through our loader.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../io/checkpoint';
import { openNodeFolder } from '../io/node-files';
import { parseModelSpec } from '../model/spec';
import { checkWeights } from '../model/weights';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { loadCorpus, tokenizerFixtureDir } from './fixtures';
import { buildGemmaStyleTokenizer, gemmaStyleModelConfigs } from './gemma-style-tokenizer';
import { FAMILY_TOKENIZER, RANDOM_FAMILIES, writeRandomModel } from './random-model';

const tmp = mkdtemp(path.join(os.tmpdir(), 'cs-fixtures-'));
afterAll(async () => rm(await tmp, { recursive: true, force: true }));

describe('fixtures/tokenizers/gemma-style', () => {
  it('is exactly what scripts/fixtures/make.mjs gemma-style-tokenizer writes', () => {
    const dir = tokenizerFixtureDir('gemma-style');
    const built = buildGemmaStyleTokenizer(loadCorpus('tinystories'));
    const { config, generationConfig } = gemmaStyleModelConfigs(built.tokenizerJson);
    expect(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')).toBe(JSON.stringify(built.tokenizerJson));
    for (const [file, v] of [['tokenizer_config.json', built.tokenizerConfig], ['config.json', config], ['generation_config.json', generationConfig]] as const) {
      expect(readFileSync(path.join(dir, file), 'utf8'), file).toBe(`${JSON.stringify(v, null, 2)}\n`);
    }
    expect(Object.keys(built.tokenizerJson.model.vocab)).toHaveLength(2048);
  });
});

describe('random-weight models of every family (src/testing/random-model.ts)', () => {
  it.each(RANDOM_FAMILIES)('%s: our spec and weight table accept every tensor it writes, with its tokenizer', async (family) => {
    const dir = path.join(await tmp, family);
    const m = await writeRandomModel(dir, { family, dtype: family === 'qwen2' ? 'BF16' : 'F32', shards: family === 'llama' ? 3 : 1 });
    const spec = parseModelSpec(m.config);
    const ckpt = await openCheckpoint(await openNodeFolder(dir));
    const refs = checkWeights(spec, ckpt.entries);
    // the table (src/model/weights.ts) and the generator's own list of HF names agree exactly
    expect(new Set(refs.map((r) => r.name))).toEqual(new Set(m.tensors.keys()));
    expect(ckpt.shardNames).toHaveLength(family === 'llama' ? 3 : 1);
    expect([...ckpt.entries.values()].every((e) => e.dtype === (family === 'qwen2' ? 'BF16' : 'F32'))).toBe(true);
    const tok = TextTokenizer.fromJson(JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')));
    expect(tok.vocabSize).toBe(spec.vocabSize);
    console.log(`${family}: ${FAMILY_TOKENIZER[family]} tokenizer, V=${spec.vocabSize}, ${refs.length} tensors, ${ckpt.totalBytes} bytes`);
  });

  it('is deterministic: the same seed writes the same bytes, another seed other weights', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(async (n) => path.join(await tmp, `seed-${n}`));
    await writeRandomModel(await a, { family: 'gemma2', seed: 7 });
    await writeRandomModel(await b, { family: 'gemma2', seed: 7 });
    await writeRandomModel(await c, { family: 'gemma2', seed: 8 });
    const file = async (d: Promise<string>) => readFile(path.join(await d, 'model.safetensors'));
    expect(Buffer.compare(await file(a), await file(b))).toBe(0);
    expect(Buffer.compare(await file(a), await file(c))).not.toBe(0);
  });
});
