import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { FIXTURES } from '../testing/fixtures';
import { parseModelSpec } from './spec';
import { embedScaleInDtype, roundToBf16, roundToF16 } from './test-helpers';

const readJson = (rel: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, rel), 'utf8'));

/** 1 / theta^(2i/E), computed here in double precision, independent of the parser. */
const defaultInvFreq = (theta: number, E: number) => Array.from({ length: E / 2 }, (_, i) => 1 / theta ** ((2 * i) / E));

function expectClose(actual: Float32Array, expected: number[], rel = 2e-6) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e)).toBeLessThanOrEqual(rel * Math.abs(e)));
}

// Modelled on the Hub's config.json files (transformers 4 layout unless noted).
const LLAMA_3_2_1B = {
  architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009], head_dim: 64, hidden_act: 'silu', hidden_size: 2048, intermediate_size: 8192,
  max_position_embeddings: 131072, mlp_bias: false, model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 16,
  num_key_value_heads: 8, pretraining_tp: 1, rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0, tie_word_embeddings: true, torch_dtype: 'bfloat16', vocab_size: 128256,
};
const MISTRAL_7B_V01 = {
  architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096,
  intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral', num_attention_heads: 32,
  num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 10000.0, sliding_window: 4096,
  tie_word_embeddings: false, torch_dtype: 'bfloat16', vocab_size: 32000,
};
const QWEN2_5_0_5B = {
  architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_act: 'silu',
  hidden_size: 896, intermediate_size: 4864, max_position_embeddings: 32768, max_window_layers: 24, model_type: 'qwen2',
  num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 1000000.0,
  sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_sliding_window: false, vocab_size: 151936,
};
const QWEN3_0_6B = {
  architectures: ['Qwen3ForCausalLM'], attention_bias: false, bos_token_id: 151643, eos_token_id: 151645, head_dim: 128,
  hidden_act: 'silu', hidden_size: 1024, intermediate_size: 3072, max_position_embeddings: 40960, max_window_layers: 28,
  model_type: 'qwen3', num_attention_heads: 16, num_hidden_layers: 28, num_key_value_heads: 8, rms_norm_eps: 1e-6,
  rope_scaling: null, rope_theta: 1000000, sliding_window: null, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  use_sliding_window: false, vocab_size: 151936,
};
const GEMMA_2B = {
  architectures: ['GemmaForCausalLM'], attention_bias: false, bos_token_id: 2, eos_token_id: 1, head_dim: 256, hidden_act: 'gelu',
  hidden_size: 2048, intermediate_size: 16384, max_position_embeddings: 8192, model_type: 'gemma', num_attention_heads: 8,
  num_hidden_layers: 18, num_key_value_heads: 1, pad_token_id: 0, rms_norm_eps: 1e-6, rope_scaling: null, rope_theta: 10000.0,
  torch_dtype: 'bfloat16', vocab_size: 256000,
};
const GEMMA_2_2B = {
  architectures: ['Gemma2ForCausalLM'], attention_bias: false, attn_logit_softcapping: 50.0, bos_token_id: 2,
  cache_implementation: 'hybrid', eos_token_id: 1, final_logit_softcapping: 30.0, head_dim: 256, hidden_act: 'gelu_pytorch_tanh',
  hidden_activation: 'gelu_pytorch_tanh', hidden_size: 2304, intermediate_size: 9216, max_position_embeddings: 8192,
  model_type: 'gemma2', num_attention_heads: 8, num_hidden_layers: 26, num_key_value_heads: 4, pad_token_id: 0,
  query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_theta: 10000.0, sliding_window: 4096, torch_dtype: 'float32', vocab_size: 256000,
};
const GEMMA_3_1B_IT = {
  architectures: ['Gemma3ForCausalLM'], attention_bias: false, attn_logit_softcapping: null, bos_token_id: 2,
  eos_token_id: [1, 106], final_logit_softcapping: null, head_dim: 256, hidden_activation: 'gelu_pytorch_tanh', hidden_size: 1152,
  intermediate_size: 6912, max_position_embeddings: 32768, model_type: 'gemma3_text', num_attention_heads: 4, num_hidden_layers: 26,
  num_key_value_heads: 1, pad_token_id: 0, query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_local_base_freq: 10000,
  rope_scaling: null, rope_theta: 1000000, sliding_window: 512, sliding_window_pattern: 6, torch_dtype: 'bfloat16', vocab_size: 262144,
};

describe('parseModelSpec: fixture configs', () => {
  it('stories260K (tied llama, F32, top-level rope_theta)', () => {
    const s = parseModelSpec(readJson('stories260K/config.json'), readJson('stories260K/generation_config.json'));
    expect(s).toMatchObject({ family: 'llama', vocabSize: 512, hidden: 64, layers: 5, heads: 8, kvHeads: 4, headDim: 8, intermediate: 172, activation: 'silu', rmsEps: 1e-5, tiedEmbeddings: true, qkvBias: false, oBias: false, mlpBias: false, qkNorm: false, sandwichNorms: false, normPlusOne: false, embedScale: 1, bosId: 1, eosIds: [2], padId: null, dtype: 'float32', slidingWindow: null });
    expect(s.attnScale).toBeCloseTo(1 / Math.sqrt(8), 12);
    expect(s.layerKinds).toEqual(Array(5).fill('full'));
    expectClose(s.ropeFull.invFreq, defaultInvFreq(10000, 8));
    expect(s.ropeSliding).toBe(s.ropeFull);
  });

  it('llama-10m and qwen2-14m (transformers 5 rope_parameters)', () => {
    const l = parseModelSpec(readJson('tokenizers/llama-10m/config.json'));
    expect(l).toMatchObject({ family: 'llama', vocabSize: 32000, hidden: 128, layers: 8, heads: 4, kvHeads: 2, headDim: 32, intermediate: 512, tiedEmbeddings: false, qkvBias: false, dtype: 'bfloat16', bosId: 1, eosIds: [2] });
    expectClose(l.ropeFull.invFreq, defaultInvFreq(10000, 32));
    const q = parseModelSpec(readJson('tokenizers/qwen2-14m/config.json'));
    expect(q).toMatchObject({ family: 'qwen2', vocabSize: 50257, hidden: 192, heads: 6, kvHeads: 2, headDim: 32, intermediate: 768, tiedEmbeddings: true, qkvBias: true, oBias: false, rmsEps: 1e-6, bosId: 50256, eosIds: [50256], slidingWindow: null });
    expect(q.layerKinds).toEqual(Array(8).fill('full'));
    expectClose(q.ropeFull.invFreq, defaultInvFreq(1e6, 32));
  });
});

describe('parseModelSpec: families', () => {
  it('Llama-3.2-1B: llama3 rope scaling matches the formula', () => {
    const s = parseModelSpec(LLAMA_3_2_1B);
    expect(s).toMatchObject({ family: 'llama', headDim: 64, kvHeads: 8, tiedEmbeddings: true, eosIds: [128001, 128008, 128009], bosId: 128000, maxPositions: 131072 });
    // Independent llama3 smoothing: wavelength bands at 8192 / 1 and 8192 / 4.
    const expected = defaultInvFreq(500000, 64).map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < 8192 / 4) return f;
      if (wavelen > 8192 / 1) return f / 32;
      const smooth = (8192 / wavelen - 1) / (4 - 1);
      return (1 - smooth) * (f / 32) + smooth * f;
    });
    expectClose(s.ropeFull.invFreq, expected);
    // all three bands occur at this theta / head dim
    const raw = defaultInvFreq(500000, 64);
    expect(expected.some((e, i) => e === raw[i])).toBe(true);
    expect(expected.some((e, i) => Math.abs(e - raw[i] / 32) < 1e-30)).toBe(true);
    expect(expected.some((e, i) => e !== raw[i] && Math.abs(e - raw[i] / 32) > 1e-30)).toBe(true);
    expect(s.ropeFull.attentionScaling).toBe(1);
  });

  it('the same llama3 settings in the transformers 5 rope_parameters layout', () => {
    const { rope_scaling, rope_theta, ...rest } = LLAMA_3_2_1B;
    const v5 = parseModelSpec({ ...rest, rope_parameters: { ...rope_scaling, rope_theta } });
    expect(Array.from(v5.ropeFull.invFreq)).toEqual(Array.from(parseModelSpec(LLAMA_3_2_1B).ropeFull.invFreq));
  });

  it('linear rope scaling divides every frequency; attention_bias adds q/k/v/o biases; mlp_bias', () => {
    const s = parseModelSpec({ ...LLAMA_3_2_1B, rope_scaling: { type: 'linear', factor: 4 }, attention_bias: true, mlp_bias: true });
    expectClose(s.ropeFull.invFreq, defaultInvFreq(500000, 64).map((f) => f / 4));
    expect(s).toMatchObject({ qkvBias: true, oBias: true, mlpBias: true });
  });

  it('Mistral-7B-v0.1: every layer slides with a 4096 window', () => {
    const s = parseModelSpec(MISTRAL_7B_V01);
    expect(s).toMatchObject({ family: 'mistral', headDim: 128, kvHeads: 8, tiedEmbeddings: false, slidingWindow: 4096, qkvBias: false });
    expect(s.layerKinds).toEqual(Array(32).fill('sliding'));
    // a window that covers every position does not bind
    const wide = parseModelSpec({ ...MISTRAL_7B_V01, sliding_window: 32768 });
    expect(wide.layerKinds).toEqual(Array(32).fill('full'));
    expect(wide.slidingWindow).toBeNull();
    expect(parseModelSpec({ ...MISTRAL_7B_V01, sliding_window: null }).slidingWindow).toBeNull();
  });

  it('Qwen2.5-0.5B: q/k/v biases, tied, no sliding unless use_sliding_window', () => {
    const s = parseModelSpec(QWEN2_5_0_5B);
    expect(s).toMatchObject({ family: 'qwen2', headDim: 64, kvHeads: 2, tiedEmbeddings: true, qkvBias: true, oBias: false, qkNorm: false, slidingWindow: null, bosId: 151643, eosIds: [151643] });
    expect(s.layerKinds).toEqual(Array(24).fill('full'));
    expectClose(s.ropeFull.invFreq, defaultInvFreq(1e6, 64));
    const windowed = parseModelSpec({ ...QWEN2_5_0_5B, use_sliding_window: true, sliding_window: 4096, max_window_layers: 20 });
    expect(windowed.layerKinds).toEqual([...Array(20).fill('full'), ...Array(4).fill('sliding')]);
    expect(windowed.slidingWindow).toBe(4096);
  });

  it('Qwen3-0.6B: explicit head_dim, q/k norms, no biases', () => {
    const s = parseModelSpec(QWEN3_0_6B);
    expect(s).toMatchObject({ family: 'qwen3', headDim: 128, heads: 16, kvHeads: 8, hidden: 1024, qkNorm: true, qkvBias: false, oBias: false, tiedEmbeddings: true, eosIds: [151645] });
    expect(s.attnScale).toBeCloseTo(128 ** -0.5, 12);
  });

  it('gemma-2b: (1 + w) norms, sqrt(D) embedding scale, tanh gelu, tied by default', () => {
    const s = parseModelSpec(GEMMA_2B);
    expect(s).toMatchObject({ family: 'gemma', normPlusOne: true, activation: 'gelu_tanh', tiedEmbeddings: true, kvHeads: 1, headDim: 256, sandwichNorms: false, qkNorm: false, bosId: 2, eosIds: [1], padId: 0, attnSoftcap: null });
    expect(s.embedScale).toBe(Math.fround(Math.sqrt(2048)));
    expect(embedScaleInDtype(s, 'BF16')).toBe(45.25); // what HF multiplies by for bf16 weights
    expect(embedScaleInDtype(s, 'F32')).toBe(Math.fround(Math.sqrt(2048)));
    expect(s.attnScale).toBeCloseTo(1 / 16, 12);
  });

  it('gemma-2-2b: softcaps, query_pre_attn_scalar, even layers slide', () => {
    const s = parseModelSpec(GEMMA_2_2B);
    expect(s).toMatchObject({ family: 'gemma2', attnSoftcap: 50, finalSoftcap: 30, sandwichNorms: true, qkNorm: false, slidingWindow: 4096, activation: 'gelu_tanh', embedScale: 48 });
    expect(s.attnScale).toBeCloseTo(1 / 16, 12);
    expect(s.layerKinds.slice(0, 4)).toEqual(['sliding', 'full', 'sliding', 'full']);
    expect(s.layerKinds.filter((k) => k === 'sliding').length).toBe(13);
    // defaults when the keys are absent; explicit null disables
    const { attn_logit_softcapping: _a, final_logit_softcapping: _f, ...bare } = GEMMA_2_2B;
    expect(parseModelSpec(bare)).toMatchObject({ attnSoftcap: 50, finalSoftcap: 30 });
    expect(parseModelSpec({ ...GEMMA_2_2B, final_logit_softcapping: null }).finalSoftcap).toBeNull();
    expect(parseModelSpec({ ...GEMMA_2_2B, query_pre_attn_scalar: 144 }).attnScale).toBeCloseTo(1 / 12, 12);
  });

  it('gemma-3-1b-it: every 6th layer full, local rope base for sliding layers, eos list', () => {
    const s = parseModelSpec(GEMMA_3_1B_IT);
    expect(s).toMatchObject({ family: 'gemma3', modelType: 'gemma3_text', qkNorm: true, sandwichNorms: true, normPlusOne: true, slidingWindow: 512, attnSoftcap: null, finalSoftcap: null, eosIds: [1, 106], tiedEmbeddings: true, kvHeads: 1 });
    const full = s.layerKinds.flatMap((k, i) => (k === 'full' ? [i] : []));
    expect(full).toEqual([5, 11, 17, 23]);
    expectClose(s.ropeFull.invFreq, defaultInvFreq(1e6, 256));
    expectClose(s.ropeSliding.invFreq, defaultInvFreq(10000, 256));
  });

  it('gemma3 in the transformers 5 layout: layer_types and rope_parameters keyed by layer type', () => {
    const { rope_local_base_freq: _l, rope_theta: _t, rope_scaling: _s, sliding_window_pattern: _p, ...rest } = GEMMA_3_1B_IT;
    const layerTypes = Array.from({ length: 26 }, (_, i) => ((i + 1) % 6 ? 'sliding_attention' : 'full_attention'));
    const s = parseModelSpec({
      ...rest,
      layer_types: layerTypes,
      rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 10000 } },
    });
    expect(s.layerKinds).toEqual(parseModelSpec(GEMMA_3_1B_IT).layerKinds);
    expectClose(s.ropeFull.invFreq, defaultInvFreq(1e6, 256).map((f) => f / 8));
    expectClose(s.ropeSliding.invFreq, defaultInvFreq(10000, 256));
  });

  it('gemma3 multimodal config: text settings under text_config, linear scaling only on global layers', () => {
    const s = parseModelSpec({
      architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3', boi_token_index: 255999, eos_token_id: [1, 106],
      text_config: { hidden_size: 2560, intermediate_size: 10240, model_type: 'gemma3_text', num_hidden_layers: 34, rope_scaling: { factor: 8.0, rope_type: 'linear' }, sliding_window: 1024 },
      torch_dtype: 'bfloat16', vision_config: { model_type: 'siglip_vision_model' },
    });
    expect(s).toMatchObject({ family: 'gemma3', modelType: 'gemma3', hidden: 2560, layers: 34, heads: 8, kvHeads: 4, headDim: 256, vocabSize: 262208, slidingWindow: 1024, eosIds: [1, 106], bosId: 2, dtype: 'bfloat16', tiedEmbeddings: true });
    expectClose(s.ropeFull.invFreq, defaultInvFreq(1e6, 256).map((f) => f / 8));
    expectClose(s.ropeSliding.invFreq, defaultInvFreq(10000, 256));
  });

  it('ids fall back to generation_config', () => {
    const { bos_token_id: _b, eos_token_id: _e, ...rest } = QWEN2_5_0_5B;
    const s = parseModelSpec(rest, { bos_token_id: 151643, eos_token_id: [151645, 151643], pad_token_id: 151643 });
    expect(s).toMatchObject({ bosId: 151643, eosIds: [151645, 151643], padId: 151643 });
    expect(parseModelSpec(rest)).toMatchObject({ bosId: null, eosIds: [], padId: null });
  });
});

describe('parseModelSpec: refusals', () => {
  it('unknown model_type lists the supported ones', () => {
    expect(() => parseModelSpec({ model_type: 'gpt2', n_embd: 768 })).toThrow(UnsupportedModelError);
    expect(() => parseModelSpec({ model_type: 'gpt2' })).toThrow(/"gpt2" is not supported; supported model types: llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text, gemma3/);
    expect(() => parseModelSpec({ hidden_size: 4 })).toThrow(/no model_type/);
  });

  it('unsupported rope types and activations', () => {
    expect(() => parseModelSpec({ ...QWEN2_5_0_5B, rope_scaling: { type: 'yarn', factor: 4 } })).toThrow(/rope type "yarn" is not supported/);
    expect(() => parseModelSpec({ ...QWEN2_5_0_5B, hidden_act: 'relu2' })).toThrow(UnsupportedModelError);
  });

  it('malformed configs are ModelFileErrors naming config.json', () => {
    expect(() => parseModelSpec([1, 2])).toThrow(ModelFileError);
    expect(() => parseModelSpec({ ...QWEN2_5_0_5B, hidden_size: '896' })).toThrow(/config\.json: hidden_size "896" is not a number/);
    expect(() => parseModelSpec({ ...QWEN2_5_0_5B, num_key_value_heads: 3 })).toThrow(/not a multiple/);
    expect(() => parseModelSpec({ ...LLAMA_3_2_1B, rope_scaling: { rope_type: 'llama3', factor: 8 } })).toThrow(/needs low_freq_factor/);
  });
});

describe('dtype rounding helpers', () => {
  it('round to bf16 and f16 to nearest', () => {
    expect(roundToBf16(Math.sqrt(2048))).toBe(45.25);
    expect(roundToBf16(1 + 2 ** -9)).toBe(1); // tie -> even
    expect(roundToBf16(1 + 3 * 2 ** -9)).toBe(1 + 2 ** -7);
    expect(roundToF16(Math.sqrt(2048))).toBe(45.25);
    expect(roundToF16(1 + 2 ** -11)).toBe(1); // tie -> even
    expect(roundToF16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToF16(0.1)).toBeCloseTo(0.0999755859375, 12);
  });
});
