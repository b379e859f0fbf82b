// Export without GPU: keeping everything is the identity (bit-identical tensors, same
// tokenizer encoding); a real pruning gathers exactly the chosen rows/columns.
// Models: stories260K (real, F32) and random-weight models with real 32k / 50k tokenizers
// (src/testing/random-model.ts), written into a temp folder.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../io/checkpoint';
import { readJsonFile } from '../io/json-files';
import { memoryFiles, type OutputFolder } from '../io/source';
import { openNodeFolder } from '../io/node-files';
import { decodeToF32 } from '../io/dtype-decode';
import { parseModelSpec } from '../model/spec';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { loadCorpus, STORIES260K } from '../testing/fixtures';
import { writeRandomModel } from '../testing/random-model';
import { exportPrunedFolder, gatherColBytes, gatherRowBytes } from './export';

const tmp = mkdtemp(join(os.tmpdir(), 'cs-export-'));
afterAll(async () => rm(await tmp, { recursive: true, force: true }));

/** The folder of a test model: stories260K, or a random-weight one written once. */
const MODELS: Record<string, () => Promise<string>> = {
  stories260K: async () => STORIES260K,
  // Qwen2 (q/k/v biases), tied, BF16, GPT-2 tokenizer (V 50257), two shards + index
  'random qwen2': async () => (await writeRandomModel(join(await tmp, 'qwen2'), { family: 'qwen2', dtype: 'BF16', shards: 2 })).dir,
  // Llama, untied, BF16, Llama-2 tokenizer (V 32000), 4 layers
  'random llama': async () => (await writeRandomModel(join(await tmp, 'llama'), { family: 'llama', dtype: 'BF16', layers: 4 })).dir,
};

function memoryOut(): { out: OutputFolder; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    out: {
      async create(name) {
        const chunks: Uint8Array[] = [];
        return {
          write: async (c) => void chunks.push(c.slice()),
          close: async () => {
            const total = chunks.reduce((a, c) => a + c.length, 0);
            const all = new Uint8Array(total);
            let o = 0;
            for (const c of chunks) { all.set(c, o); o += c.length; }
            files.set(name, all);
          },
        };
      },
    },
  };
}

async function exportModel(name: string, keptVocab: (V: number) => Uint32Array, keptFfn: (I: number) => Uint32Array, maxShardBytes?: number) {
  const files = await openNodeFolder(await MODELS[name]!());
  const config = (await readJsonFile(files, 'config.json', true)) as Record<string, unknown>;
  const generationConfig = (await readJsonFile(files, 'generation_config.json', false)) as Record<string, unknown>;
  const tokenizerJson = (await readJsonFile(files, 'tokenizer.json', true)) as Record<string, unknown>;
  const tokenizerConfig = (await readJsonFile(files, 'tokenizer_config.json', false)) as Record<string, unknown>;
  const spec = parseModelSpec(config, generationConfig);
  const ckpt = await openCheckpoint(files);
  const { out, files: written } = memoryOut();
  const sel = { keptVocab: keptVocab(spec.vocabSize), keptFfn: Array.from({ length: spec.layers }, () => keptFfn(spec.intermediate)) };
  const result = await exportPrunedFolder({ spec, ckpt, files, config, generationConfig, tokenizerJson, tokenizerConfig }, sel, out, { maxShardBytes });
  const exported = memoryFiles('exported', Object.fromEntries(written));
  return { spec, ckpt, exported, result, tokenizerJson, tokenizerConfig, sel };
}

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('export', () => {
  for (const name of ['stories260K', 'random qwen2']) {
    it(`keeping everything is the identity (${name})`, async () => {
      const { ckpt, exported, result, tokenizerJson, tokenizerConfig } = await exportModel(name, range, range, name === 'random qwen2' ? 2e6 : undefined);
      if (name === 'random qwen2') expect(result.files.filter((f) => f.name.endsWith('.safetensors'))).toHaveLength(2); // 3.2 MB embedding in a shard of its own
      const after = await openCheckpoint(exported);
      expect([...after.entries.keys()].sort()).toEqual([...ckpt.entries.keys()].sort());
      for (const [tname, e] of ckpt.entries) {
        const a = await ckpt.readTensorBytes(tname);
        const b = await after.readTensorBytes(tname);
        expect(after.entries.get(tname)!.dtype).toBe(e.dtype);
        expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
      }
      const text = loadCorpus('tinystories').slice(0, 4000);
      const before = TextTokenizer.fromJson(tokenizerJson, tokenizerConfig).encode(text);
      const tj = JSON.parse(new TextDecoder().decode(await exported.get('tokenizer.json')!.read(0, exported.get('tokenizer.json')!.size)));
      expect(TextTokenizer.fromJson(tj).encode(text)).toEqual(before);
      expect(result.files.every((f) => f.size > 0)).toBe(true);
    });
  }

  it('gathers the kept vocabulary rows and FFN channels exactly (random llama: untied, BF16, V 32000)', async () => {
    const keepV = (V: number) => Uint32Array.from({ length: V }, (_, i) => i).filter((i) => i < 3 || i % 3 !== 2);
    const keepI = (I: number) => Uint32Array.from({ length: I }, (_, i) => i).filter((i) => i % 2 === 0);
    const { ckpt, exported, sel, spec } = await exportModel('random llama', keepV, keepI);
    const after = await openCheckpoint(exported);
    const cfg = JSON.parse(new TextDecoder().decode(await exported.get('config.json')!.read(0, exported.get('config.json')!.size)));
    expect(cfg.vocab_size).toBe(sel.keptVocab.length);
    expect(cfg.intermediate_size).toBe(spec.intermediate / 2);
    const emb = decodeToF32(await ckpt.readTensorBytes('model.embed_tokens.weight'), 'BF16');
    const emb2 = decodeToF32(await after.readTensorBytes('model.embed_tokens.weight'), 'BF16');
    const D = spec.hidden;
    for (const [newId, oldId] of [[0, 0], [2, 2], [3, 3], [100, sel.keptVocab[100]]]) {
      expect(emb2.subarray(newId * D, (newId + 1) * D)).toEqual(emb.subarray(oldId * D, (oldId + 1) * D));
    }
    expect(after.entries.get('model.layers.3.mlp.down_proj.weight')!.shape).toEqual([D, spec.intermediate / 2]);
    expect(after.entries.get('model.layers.3.mlp.gate_proj.weight')!.shape).toEqual([spec.intermediate / 2, D]);
    expect(after.entries.get('lm_head.weight')!.shape).toEqual([sel.keptVocab.length, D]);
  });

  it('gathers rows and columns of raw bytes', () => {
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6]); // [3, 2] of 1-byte elements
    expect([...gatherRowBytes(src, 2, 1, Uint32Array.from([2, 0]))]).toEqual([5, 6, 1, 2]);
    expect([...gatherColBytes(src, 3, 2, 1, Uint32Array.from([1]))]).toEqual([2, 4, 6]);
  });
});
