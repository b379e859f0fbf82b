// config.json values a user could get wrong by hand: each is refused with the file, the field and
// the fix, before anything is allocated for it; a checkpoint that does not match the config is named.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../io/checkpoint';
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { openNodeFolder } from '../io/node-files';
import type { TensorEntry } from '../io/safetensors';
import { parseModelSpec } from './spec';
import { checkWeights, unexpectedTensors, weightTable } from './weights';

const STORIES = path.resolve(import.meta.dirname, '../../fixtures/stories260K');
const STORIES_CONFIG = JSON.parse(readFileSync(path.join(STORIES, 'config.json'), 'utf8')) as Record<string, unknown>;

function refused(config: Record<string, unknown>, pattern: RegExp, type: typeof ModelFileError | typeof UnsupportedModelError = ModelFileError): Error {
  const t0 = performance.now();
  let err: unknown;
  try {
    parseModelSpec(config);
  } catch (e) {
    err = e;
  }
  expect(err, `${JSON.stringify(config).slice(0, 80)} should be refused`).toBeInstanceOf(type);
  const e = err as ModelFileError;
  expect(e.file).toBe('config.json');
  expect(e.message).toMatch(pattern);
  expect(e.fix.length).toBeGreaterThan(10);
  expect(performance.now() - t0).toBeLessThan(1000); // refused before allocating anything for it
  return e;
}

describe('config.json values are validated', () => {
  it('model_type names that exist on every object are not model types', () => {
    for (const model_type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const e = refused({ ...STORIES_CONFIG, model_type }, new RegExp(`model_type "${model_type === '__proto__' ? '__proto__' : model_type}" is not supported`), UnsupportedModelError);
      if (model_type === 'constructor') console.log(e.message);
    }
  });

  it('sizes are bounded before anything is allocated for them', () => {
    for (const v of [1e9, 2 ** 32, 2 ** 53]) refused({ ...STORIES_CONFIG, num_hidden_layers: v }, /num_hidden_layers \d+ is larger than any real model \(limit 1024\)/);
    console.log(refused({ ...STORIES_CONFIG, head_dim: 1e9 }, /head_dim 1000000000 is larger than any real model/).message);
    refused({ ...STORIES_CONFIG, vocab_size: 1e12 }, /vocab_size/);
    refused({ ...STORIES_CONFIG, intermediate_size: 2 ** 40 }, /intermediate_size/);
    refused({ ...STORIES_CONFIG, hidden_size: 1e7 }, /hidden_size/);
    refused({ ...STORIES_CONFIG, num_attention_heads: 1e6 }, /num_attention_heads/);
    refused({ ...STORIES_CONFIG, max_position_embeddings: 1e300 }, /max_position_embeddings/);
    refused({ ...STORIES_CONFIG, num_hidden_layers: 2.5 }, /num_hidden_layers 2\.5 is not a positive integer/);
  });

  it('rope_theta, rms_norm_eps and rope factors must be in range', () => {
    for (const v of [0, -1]) refused({ ...STORIES_CONFIG, rope_theta: v }, new RegExp(`rope_theta ${v} must be a positive number`));
    for (const v of [-1, 0, 1]) refused({ ...STORIES_CONFIG, rms_norm_eps: v }, /rms_norm_eps .* must be in \(0, 1\)/);
    refused({ ...STORIES_CONFIG, rope_scaling: { rope_type: 'linear', factor: 0 } }, /rope factor 0 must be a positive number/);
    refused({ ...STORIES_CONFIG, rope_scaling: { rope_type: 'linear', factor: -2 } }, /rope factor -2 must be a positive number/);
    refused(
      { ...STORIES_CONFIG, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 1, original_max_position_embeddings: 8192 } },
      /high_freq_factor 1 must be larger than low_freq_factor 4/,
    );
    refused({ ...STORIES_CONFIG, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 0 } }, /original_max_position_embeddings 0/);
    for (const v of [0, 1.5, 2, -1, 1e9]) refused({ ...STORIES_CONFIG, partial_rotary_factor: v }, /partial_rotary_factor .* must be in \(0, 1\]/);
    refused({ ...STORIES_CONFIG, partial_rotary_factor: 0.1 }, /partial_rotary_factor 0\.1 rotates 0 of head_dim 8/);
    refused({ ...STORIES_CONFIG, partial_rotary_factor: 0.375 }, /rotates 3 of head_dim 8 dimensions, an odd number/);
    // in range: accepted, with the rotary part as transformers computes it
    expect(parseModelSpec({ ...STORIES_CONFIG, partial_rotary_factor: 0.5 }).ropeFull.invFreq.length).toBe(2);
    expect(parseModelSpec({ ...STORIES_CONFIG, rope_scaling: { rope_type: 'linear', factor: 0.5 } }).ropeFull.invFreq.length).toBe(4);
  });

  it('other numbers the engine divides or scales by', () => {
    refused({ ...STORIES_CONFIG, model_type: 'gemma2', query_pre_attn_scalar: 0 }, /query_pre_attn_scalar 0 must be a positive number/);
    refused({ ...STORIES_CONFIG, model_type: 'gemma2', final_logit_softcapping: -30 }, /final_logit_softcapping -30 must be a positive number/);
    refused({ ...STORIES_CONFIG, model_type: 'gemma2', sliding_window: 0 }, /sliding_window 0 is not a positive integer/);
  });
});

describe('the checkpoint must match config.json', () => {
  it('num_hidden_layers smaller than the checkpoint is an error naming both (not unpruned extra layers)', async () => {
    const ckpt = await openCheckpoint(await openNodeFolder(STORIES));
    for (const L of [1, 4]) {
      const spec = parseModelSpec({ ...STORIES_CONFIG, num_hidden_layers: L });
      let err: unknown;
      try {
        checkWeights(spec, ckpt.entries);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelFileError);
      expect((err as ModelFileError).file).toBe('config.json');
      expect((err as Error).message).toMatch(new RegExp(`num_hidden_layers ${L} but the checkpoint holds 5 decoder layers`));
      if (L === 1) console.log((err as Error).message);
    }
  });

  it('num_hidden_layers larger than the checkpoint says how many layers there are', async () => {
    const ckpt = await openCheckpoint(await openNodeFolder(STORIES));
    const spec = parseModelSpec({ ...STORIES_CONFIG, num_hidden_layers: 900 });
    expect(() => checkWeights(spec, ckpt.entries)).toThrow(/config\.json: num_hidden_layers 900 but the checkpoint holds 5 decoder layers/);
  });

  it('tensors the weight table does not expect are listed (left out of the export); multimodal parts are carried', () => {
    const spec = parseModelSpec(STORIES_CONFIG);
    const entry = (name: string): [string, TensorEntry] => [name, { name, dtype: 'F32', shape: [1], file: 'model.safetensors', begin: 0, end: 4 }];
    const table = weightTable(spec);
    const entries = new Map([...table.map((r) => entry(r.name)), entry('model.layers.0.self_attn.rotary_emb.inv_freq'), entry('lm_head.weight'), entry('extra.bias')]);
    expect(unexpectedTensors(spec, entries)).toEqual({
      dropped: ['extra.bias', 'lm_head.weight', 'model.layers.0.self_attn.rotary_emb.inv_freq'],
      carried: [],
    });
    const mm = parseModelSpec({ ...STORIES_CONFIG });
    const mmEntries = new Map([
      ...weightTable(mm).map((r) => entry(r.name.replace(/^model\./, 'model.language_model.'))),
      entry('model.vision_tower.vision_model.post_layernorm.weight'),
      entry('model.multi_modal_projector.mm_soft_emb_norm.weight'),
    ]);
    expect(unexpectedTensors(mm, mmEntries)).toEqual({
      dropped: [],
      carried: ['model.multi_modal_projector.mm_soft_emb_norm.weight', 'model.vision_tower.vision_model.post_layernorm.weight'],
    });
  });
});
