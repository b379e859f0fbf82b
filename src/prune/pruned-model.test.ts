// The preview's pruned model (gathered on the GPU) is the model the export writes:
// same logits from both, with the vocabulary split into chunks on the GPU side.
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { readJsonFile } from '../io/json-files';
import { memoryFiles, type OutputFolder } from '../io/source';
import { openModel } from '../model/open';
import { forwardLogits } from '../model/logits';
import { buildPrunedModel } from './pruned-model';
import { weightTable } from '../model/weights';
import { exportPrunedFolder } from './export';
import { STORIES260K } from '../testing/fixtures';

const MODEL = STORIES260K;

function memoryOut(files: Map<string, Uint8Array>): OutputFolder {
  return {
    async create(name) {
      const chunks: Uint8Array[] = [];
      return {
        write: async (c) => void chunks.push(c.slice()),
        close: async () => void files.set(name, Uint8Array.from(chunks.flatMap((c) => [...c]))),
      };
    },
  };
}

describe('pruned model on the GPU', () => {
  it.each<['resident' | 'streamed', boolean]>([
    ['resident', true],
    ['resident', false],
    ['streamed', false],
  ])('over a %s model (gathered once: %s) gives the logits of the exported folder (stories260K, V 512 -> 386, I 172 -> 120)', async (mode, cache) => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const files = await openNodeFolder(MODEL);
    const { model, ckpt, config, generationConfig } = await openModel(gpu, files, undefined, { maxVocabRowsPerChunk: 150, mode });
    if (mode === 'resident') expect(model.source.resident!.embed.length).toBe(4);
    // keep the 259 special + byte tokens and every other token above them; FFN: a spread of channels
    const keptVocab = Uint32Array.from({ length: 512 }, (_, i) => i).filter((i) => i < 259 || i % 2 === 0);
    const keptFfn = Array.from({ length: model.spec.layers }, (_, l) => Uint32Array.from({ length: 172 }, (_, j) => j).filter((j) => (j + l) % 10 < 7));
    const sel = { keptVocab, keptFfn };
    const pruned = buildPrunedModel(gpu, model, sel, weightTable(model.spec, new Set(ckpt.entries.keys())), { cache, gpuElemBytes: () => 4 });
    expect(pruned.model.source.resident === null).toBe(!cache);
    const written = new Map<string, Uint8Array>();
    await exportPrunedFolder(
      {
        spec: model.spec, ckpt, files, config, generationConfig,
        tokenizerJson: (await readJsonFile(files, 'tokenizer.json', true)) as Record<string, unknown>,
        tokenizerConfig: (await readJsonFile(files, 'tokenizer_config.json', false)) as Record<string, unknown>,
      },
      sel,
      memoryOut(written),
    );
    const reloaded = await openModel(gpu, memoryFiles('exported', Object.fromEntries(written)));
    expect(reloaded.model.vocabSize).toBe(keptVocab.length);
    expect(reloaded.model.intermediate).toBe(keptFfn[0].length);
    const S = 48;
    const ids = Uint32Array.from({ length: 2 * S }, (_, i) => (i * 53 + 7) % keptVocab.length);
    const a = await forwardLogits(gpu, pruned.model, ids, S);
    const b = await forwardLogits(gpu, reloaded.model, ids, S);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    console.log(`preview (${mode}, cache ${cache}) vs exported: max |logit diff| ${maxDiff.toExponential(2)} over ${a.length} logits`);
    pruned.dispose();
    model.source.dispose();
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });
});
