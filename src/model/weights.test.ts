import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../io/checkpoint';
import { ModelFileError } from '../io/errors';
import { openNodeFolder } from '../io/node-files';
import type { TensorEntry } from '../io/safetensors';
import { FIXTURES } from '../testing/fixtures';
import { parseModelSpec } from './spec';
import { checkWeights, detectPrefixes, weightTable, type WeightRef } from './weights';

/** A model folder under fixtures/ (stories260K, or goldens/NAME saved by transformers). */
async function fixtureModel(name: string) {
  const dir = path.join(FIXTURES, name);
  const spec = parseModelSpec(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')));
  const ckpt = await openCheckpoint(await openNodeFolder(dir));
  return { spec, ckpt };
}

/** Entries that satisfy a table exactly (for error cases built in memory). */
function entriesFor(refs: WeightRef[], dtype: TensorEntry['dtype'] = 'BF16'): Map<string, TensorEntry> {
  return new Map(refs.map((r) => [r.name, { name: r.name, dtype, shape: [...r.shape], file: 'model.safetensors', begin: 0, end: 0 }]));
}

const GEMMA2 = parseModelSpec({ model_type: 'gemma2', hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, vocab_size: 40 });

describe('weightTable on checkpoints saved by transformers', () => {
  for (const [name, tied, perLayer] of [
    ['stories260K', true, 9],
    ['goldens/llama-bias-sharded', false, 16], // 9 + q/k/v/o biases + gate/up/down biases
    ['goldens/qwen2-bf16', true, 12], // 9 + q/k/v biases
  ] as const) {
    it(`${name}: every table entry exists with its shape and the table covers the checkpoint`, async () => {
      const { spec, ckpt } = await fixtureModel(name);
      const refs = checkWeights(spec, ckpt.entries);
      expect(refs.length).toBe(spec.layers * perLayer + 2 + (tied ? 0 : 1));
      for (const r of refs) expect(ckpt.entries.get(r.name)!.shape).toEqual(r.shape);
      // nothing in the file is left unmapped
      expect(new Set(refs.map((r) => r.name))).toEqual(new Set(ckpt.entries.keys()));
      expect(refs.some((r) => r.role === 'lmHead')).toBe(!tied);
    });
  }

  it('llama names: post_attention_layernorm is the pre-FFN norm; prune axes (llama-10m config)', async () => {
    const spec = parseModelSpec(JSON.parse(readFileSync(path.join(FIXTURES, 'tokenizers/llama-10m/config.json'), 'utf8')));
    const byName = new Map(weightTable(spec).map((r) => [r.name, r]));
    expect(byName.get('model.layers.3.post_attention_layernorm.weight')).toMatchObject({ role: 'preFfnNorm', layer: 3, shape: [128] });
    expect(byName.get('model.embed_tokens.weight')).toMatchObject({ role: 'embed', layer: null, prune: 'vocabRows', shape: [32000, 128] });
    expect(byName.get('lm_head.weight')).toMatchObject({ role: 'lmHead', prune: 'vocabRows' });
    expect(byName.get('model.layers.0.mlp.gate_proj.weight')).toMatchObject({ prune: 'ffnRows', shape: [512, 128] });
    expect(byName.get('model.layers.0.mlp.down_proj.weight')).toMatchObject({ prune: 'ffnCols', shape: [128, 512] });
    expect(byName.get('model.layers.0.self_attn.k_proj.weight')).toMatchObject({ role: 'k', prune: null, shape: [64, 128] });
  });
});

describe('weightTable per family', () => {
  it('gemma2 sandwich norms map to postAttnNorm / preFfnNorm / postFfnNorm', () => {
    const roles = new Map(weightTable(GEMMA2).filter((r) => r.layer === 1).map((r) => [r.name, r.role]));
    expect(roles.get('model.layers.1.post_attention_layernorm.weight')).toBe('postAttnNorm');
    expect(roles.get('model.layers.1.pre_feedforward_layernorm.weight')).toBe('preFfnNorm');
    expect(roles.get('model.layers.1.post_feedforward_layernorm.weight')).toBe('postFfnNorm');
    expect(weightTable(GEMMA2).some((r) => r.role === 'lmHead')).toBe(false); // tied by default
  });

  it('qk norms (gemma3), q/k/v/o and mlp biases (llama attention_bias, mlp_bias)', () => {
    const g3 = parseModelSpec({ model_type: 'gemma3_text', hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8, vocab_size: 40 });
    expect(weightTable(g3).filter((r) => r.role === 'qNorm' || r.role === 'kNorm').map((r) => [r.name, r.shape])).toEqual([
      ['model.layers.0.self_attn.q_norm.weight', [8]],
      ['model.layers.0.self_attn.k_norm.weight', [8]],
    ]);
    const llama = parseModelSpec({ model_type: 'llama', hidden_size: 16, intermediate_size: 24, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 40, attention_bias: true, mlp_bias: true });
    const biases = weightTable(llama).filter((r) => r.role.endsWith('Bias'));
    expect(biases.map((r) => [r.role, r.shape, r.prune])).toEqual([
      ['qBias', [16], null],
      ['kBias', [8], null],
      ['vBias', [8], null],
      ['oBias', [16], null],
      ['gateBias', [24], 'ffnVector'],
      ['upBias', [24], 'ffnVector'],
      ['downBias', [16], null],
    ]);
  });

  it('detects multimodal gemma3 prefixes from the names', () => {
    expect(detectPrefixes(new Set(['model.language_model.embed_tokens.weight', 'model.vision_tower.x']))).toEqual({ decoder: 'model.language_model.', lmHead: 'lm_head.weight' });
    expect(detectPrefixes(new Set(['language_model.model.embed_tokens.weight']))).toEqual({ decoder: 'language_model.model.', lmHead: 'language_model.lm_head.weight' });
    expect(detectPrefixes()).toEqual({ decoder: 'model.', lmHead: 'lm_head.weight' });
    const names = new Set(['model.language_model.embed_tokens.weight']);
    expect(weightTable(GEMMA2, names).every((r) => r.name.startsWith('model.language_model.'))).toBe(true);
  });
});

describe('checkWeights errors', () => {
  it('names a missing tensor with its expected shape', () => {
    const entries = entriesFor(weightTable(GEMMA2));
    entries.delete('model.layers.1.mlp.up_proj.weight');
    expect(() => checkWeights(GEMMA2, entries)).toThrow(ModelFileError);
    expect(() => checkWeights(GEMMA2, entries)).toThrow(/model\.safetensors: tensor "model\.layers\.1\.mlp\.up_proj\.weight" \(expected shape \[24, 16\]\) is missing/);
  });

  it('names a tensor whose shape differs, with both shapes', () => {
    const entries = entriesFor(weightTable(GEMMA2));
    entries.get('model.layers.0.self_attn.k_proj.weight')!.shape = [16, 16];
    expect(() => checkWeights(GEMMA2, entries)).toThrow(/tensor "model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[16, 16\] but config\.json implies \[8, 16\]/);
  });

  it('refuses an unsupported dtype in a table tensor', () => {
    expect(() => checkWeights(GEMMA2, entriesFor(weightTable(GEMMA2), 'I8'))).toThrow(/is stored as I8/);
  });
});

describe('golden tiny checkpoints of every family (fixtures/goldens, saved by transformers 5.17)', () => {
  const root = path.resolve(process.cwd(), 'fixtures/goldens');
  const expected: Record<string, { family: string; kinds: string[]; tied: boolean }> = {
    'llama-rope3': { family: 'llama', kinds: ['full', 'full'], tied: true },
    'llama-bias-sharded': { family: 'llama', kinds: ['full', 'full'], tied: false },
    'mistral-swa': { family: 'mistral', kinds: ['sliding', 'sliding'], tied: true },
    'qwen2-bf16': { family: 'qwen2', kinds: ['full', 'full'], tied: true },
    qwen3: { family: 'qwen3', kinds: ['full', 'full'], tied: true },
    gemma: { family: 'gemma', kinds: ['full', 'full'], tied: true },
    gemma2: { family: 'gemma2', kinds: ['sliding', 'full'], tied: true },
    'gemma3-text': { family: 'gemma3', kinds: ['sliding', 'sliding', 'full'], tied: true },
  };
  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: spec as documented, every tensor mapped`, async () => {
      const dir = path.join(root, name);
      const spec = parseModelSpec(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')));
      expect({ family: spec.family, kinds: spec.layerKinds, tied: spec.tiedEmbeddings }).toEqual(want);
      const ckpt = await openCheckpoint(await openNodeFolder(dir));
      const refs = checkWeights(spec, ckpt.entries);
      expect(new Set(refs.map((r) => r.name))).toEqual(new Set(ckpt.entries.keys()));
    });
  }
});
