// Entry for scripts/fixtures/make.mjs: writes the fixtures this repository makes itself.
//   gemma-style-tokenizer        fixtures/tokenizers/gemma-style/{tokenizer.json, tokenizer_config.json, config.json, generation_config.json}
//   random-models OUT [DTYPE]    one tiny random-weight model per family (real tokenizers) into OUT/<family>/
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildGemmaStyleTokenizer, gemmaStyleModelConfigs } from './gemma-style-tokenizer';
import { loadCorpus, tokenizerFixtureDir } from './fixtures';
import { RANDOM_FAMILIES, writeRandomModel, type RandomDtype } from './random-model';

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export async function main(argv: string[]): Promise<void> {
  const [what, out, dtype] = argv;
  if (what === 'gemma-style-tokenizer') {
    const dir = tokenizerFixtureDir('gemma-style');
    await mkdir(dir, { recursive: true });
    const { tokenizerJson, tokenizerConfig } = buildGemmaStyleTokenizer(loadCorpus('tinystories'));
    const { config, generationConfig } = gemmaStyleModelConfigs(tokenizerJson);
    await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
    await writeFile(path.join(dir, 'tokenizer_config.json'), json(tokenizerConfig));
    await writeFile(path.join(dir, 'config.json'), json(config));
    await writeFile(path.join(dir, 'generation_config.json'), json(generationConfig));
    console.log(`wrote ${dir}`);
  } else if (what === 'random-models' && out) {
    for (const family of RANDOM_FAMILIES) {
      const m = await writeRandomModel(path.join(out, family), { family, dtype: (dtype ?? 'F32') as RandomDtype });
      console.log(`wrote ${m.dir} (${m.tensors.size} tensors, vocab ${m.config.vocab_size})`);
    }
  } else {
    throw new Error('usage: node scripts/fixtures/make.mjs gemma-style-tokenizer | random-models OUT [F32|BF16]');
  }
}
