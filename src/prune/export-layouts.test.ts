// Export of checkpoint layouts beyond the plain one (issue 10 defects): a Gemma 3 multimodal config
// (the language model's sizes under text_config, which is what transformers reads), and a tied
// model that also stores lm_head.weight (left out, as transformers' save_pretrained does).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint, type Checkpoint } from '../io/checkpoint';
import { openNodeFolder } from '../io/node-files';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors-writer';
import { memoryFiles, type ModelFiles, type OutputFolder } from '../io/source';
import { parseModelSpec } from '../model/spec';
import { checkWeights } from '../model/weights';
import { exportPrunedFolder } from './export';

const GOLDENS = path.resolve(import.meta.dirname, '../../fixtures/goldens');
type Json = Record<string, unknown>;

/** An OutputFolder collecting files in memory. */
function memoryOut(): { out: OutputFolder; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    out: {
      async create(name) {
        const chunks: Uint8Array[] = [];
        return {
          write: async (c) => void chunks.push(c.slice()),
          close: async () => void files.set(name, Buffer.concat(chunks)),
        };
      },
    },
  };
}

/** One safetensors file of tensors copied from a checkpoint (renamed as given), plus `extra`. */
async function safetensorsOf(tensors: { name: string; from: Checkpoint; source: string }[], extra: TensorToWrite[] = []): Promise<Uint8Array> {
  const { out, files } = memoryOut();
  const list: TensorToWrite[] = tensors.map(({ name, from, source }) => {
    const e = from.entries.get(source)!;
    return { name, dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin, chunks: async function* () { yield await from.readTensorBytes(source); } };
  });
  await writeSafetensors(out, [...list, ...extra]);
  return files.get('model.safetensors')!;
}

/** A WordLevel tokenizer of V tokens (ids 0..V-1), the first three special. */
function tokenizer(V: number): Json {
  const vocab = Object.fromEntries(Array.from({ length: V }, (_, i) => [`t${i}`, i]));
  return {
    version: '1.0',
    added_tokens: [0, 1, 2].map((id) => ({ id, content: `t${id}`, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false })),
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: 't0' },
  };
}

async function exportFolder(files: ModelFiles, config: Json, tokenizerJson: Json, keepVocab: (V: number) => Uint32Array, keepFfn: (I: number) => Uint32Array) {
  const spec = parseModelSpec(config);
  const ckpt = await openCheckpoint(files);
  checkWeights(spec, ckpt.entries);
  const sel = { keptVocab: keepVocab(spec.vocabSize), keptFfn: Array.from({ length: spec.layers }, () => keepFfn(spec.intermediate)) };
  const { out, files: written } = memoryOut();
  const result = await exportPrunedFolder({ spec, ckpt, files, config, tokenizerJson }, sel, out);
  const exported = memoryFiles('exported', Object.fromEntries(written));
  const exportedConfig = JSON.parse(new TextDecoder().decode(written.get('config.json')!)) as Json;
  return { spec, sel, result, exported, exportedConfig, ckpt };
}

const everyOther = (n: number) => Uint32Array.from({ length: n }, (_, i) => i).filter((i) => i < 3 || i % 2 === 0);

describe('export layouts', () => {
  it('Gemma 3 multimodal: vocab_size and intermediate_size are written into text_config, the vision parts carried unchanged', async () => {
    const dir = path.join(GOLDENS, 'gemma3-text');
    const text = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Json;
    const src = await openCheckpoint(await openNodeFolder(dir));
    const vision = { name: 'model.vision_tower.vision_model.post_layernorm.weight', dtype: 'F32' as const, shape: [4], byteLength: 16, chunks: async function* () { yield new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer); } };
    const weights = await safetensorsOf(
      [...src.entries.keys()].map((n) => ({ name: n.replace(/^model\./, 'model.language_model.'), from: src, source: n })),
      [vision],
    );
    const config = {
      architectures: ['Gemma3ForConditionalGeneration'],
      model_type: 'gemma3',
      text_config: { ...text, architectures: undefined },
      vision_config: { model_type: 'siglip_vision_model', hidden_size: 4 },
      eos_token_id: [1, 2],
      image_token_index: 2,
    };
    const files = memoryFiles('mm', { 'model.safetensors': weights });
    const { exportedConfig, exported, sel } = await exportFolder(files, config, tokenizer(256), everyOther, (I) => Uint32Array.from({ length: I / 2 }, (_, i) => 2 * i));
    const tc = exportedConfig.text_config as Json;
    expect(tc.vocab_size).toBe(sel.keptVocab.length);
    expect(tc.intermediate_size).toBe(48);
    expect(exportedConfig.vocab_size).toBeUndefined(); // not invented at the top level
    expect(exportedConfig.intermediate_size).toBeUndefined();
    // the export loads back under the same rules (transformers reads text_config)
    const spec2 = parseModelSpec(exportedConfig);
    expect([spec2.vocabSize, spec2.intermediate]).toEqual([sel.keptVocab.length, 48]);
    const after = await openCheckpoint(exported);
    checkWeights(spec2, after.entries);
    expect([...(await after.readTensorBytes(vision.name))]).toEqual([...new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer)]);
  });

  it('a tied model that also stores lm_head.weight: the stored copy is left out, with a note', async () => {
    const dir = path.join(GOLDENS, 'llama-rope3'); // tied
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Json;
    expect(config.tie_word_embeddings).toBe(true);
    const src = await openCheckpoint(await openNodeFolder(dir));
    const names = [...src.entries.keys()];
    const weights = await safetensorsOf([
      ...names.map((n) => ({ name: n, from: src, source: n })),
      { name: 'lm_head.weight', from: src, source: 'model.embed_tokens.weight' },
    ]);
    const files = memoryFiles('tied', { 'model.safetensors': weights });
    const { exported, result, sel, exportedConfig } = await exportFolder(files, config, tokenizer(256), everyOther, (I) => Uint32Array.from({ length: I }, (_, i) => i));
    const after = await openCheckpoint(exported);
    expect(after.entries.has('lm_head.weight')).toBe(false);
    expect(after.entries.get('model.embed_tokens.weight')!.shape).toEqual([sel.keptVocab.length, 64]);
    expect(result.notes.join('\n')).toMatch(/lm_head\.weight left out/);
    checkWeights(parseModelSpec(exportedConfig), after.entries);
  });
});
