// config.json (+ generation_config.json) -> ModelSpec, following the semantics and defaults of
// transformers' config classes (LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config, GemmaConfig,
// Gemma2Config, Gemma3TextConfig) for both the transformers 4 layout (rope_theta + rope_scaling) and
// the transformers 5 one (rope_parameters, possibly keyed by layer type for gemma3).
// Letters: D hidden, H heads, K kv heads, E head dim, I ffn, V vocab, L layers.

import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { brief } from '../io/json-structure';
import type { Activation, Family, LayerKind, ModelSpec, RopeTable } from './spec-types';

type Json = Record<string, unknown>;

const FAMILY_OF_MODEL_TYPE: Record<string, Family> = {
  llama: 'llama',
  mistral: 'mistral',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma: 'gemma',
  gemma2: 'gemma2',
  gemma3_text: 'gemma3',
  gemma3: 'gemma3',
};
export const SUPPORTED_MODEL_TYPES = Object.keys(FAMILY_OF_MODEL_TYPE);

/** Upper bounds on config sizes, far above any released model (405B: 126 layers, D 16384, I 53248;
 *  Gemma 3: V 262208). A value above is a typo or a damaged file; refusing it here keeps every
 *  allocation sized by the config small until the checkpoint has confirmed the shapes. */
const SIZE_LIMITS: Record<string, number> = {
  num_hidden_layers: 1024,
  hidden_size: 65536,
  intermediate_size: 1 << 20,
  num_attention_heads: 1024,
  num_key_value_heads: 1024,
  head_dim: 2048,
  vocab_size: 1 << 24,
  max_position_embeddings: 2 ** 31,
};

/** Defaults of each transformers config class, used when config.json omits a key. */
interface FamilyDefaults {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number | null; // null: = heads
  headDim: number | null; // null: = D / H
  act: string;
  maxPositions: number;
  eps: number;
  bos: number | null;
  eos: number | null;
  pad: number | null;
  tied: boolean;
  ropeTheta: number;
  slidingWindow: number | null;
}

const DEFAULTS: Record<Family, FamilyDefaults> = {
  llama: { vocab: 32000, hidden: 4096, intermediate: 11008, layers: 32, heads: 32, kvHeads: null, headDim: null, act: 'silu', maxPositions: 2048, eps: 1e-6, bos: 1, eos: 2, pad: null, tied: false, ropeTheta: 10000, slidingWindow: null },
  mistral: { vocab: 32000, hidden: 4096, intermediate: 14336, layers: 32, heads: 32, kvHeads: 8, headDim: null, act: 'silu', maxPositions: 4096 * 32, eps: 1e-6, bos: 1, eos: 2, pad: null, tied: false, ropeTheta: 10000, slidingWindow: 4096 },
  qwen2: { vocab: 151936, hidden: 4096, intermediate: 22016, layers: 32, heads: 32, kvHeads: 32, headDim: null, act: 'silu', maxPositions: 32768, eps: 1e-6, bos: null, eos: null, pad: null, tied: false, ropeTheta: 10000, slidingWindow: 4096 },
  qwen3: { vocab: 151936, hidden: 4096, intermediate: 22016, layers: 32, heads: 32, kvHeads: 32, headDim: 128, act: 'silu', maxPositions: 32768, eps: 1e-6, bos: null, eos: null, pad: null, tied: false, ropeTheta: 10000, slidingWindow: 4096 },
  gemma: { vocab: 256000, hidden: 3072, intermediate: 24576, layers: 28, heads: 16, kvHeads: 16, headDim: 256, act: 'gelu_pytorch_tanh', maxPositions: 8192, eps: 1e-6, bos: 2, eos: 1, pad: 0, tied: true, ropeTheta: 10000, slidingWindow: null },
  gemma2: { vocab: 256000, hidden: 2304, intermediate: 9216, layers: 26, heads: 8, kvHeads: 4, headDim: 256, act: 'gelu_pytorch_tanh', maxPositions: 8192, eps: 1e-6, bos: 2, eos: 1, pad: 0, tied: true, ropeTheta: 10000, slidingWindow: 4096 },
  gemma3: { vocab: 262208, hidden: 2304, intermediate: 9216, layers: 26, heads: 8, kvHeads: 4, headDim: 256, act: 'gelu_pytorch_tanh', maxPositions: 131072, eps: 1e-6, bos: 2, eos: 1, pad: 0, tied: true, ropeTheta: 1_000_000, slidingWindow: 4096 },
};

const GEMMA2_SOFTCAP = { attn: 50, final: 30 };
const GEMMA_QUERY_PRE_ATTN_SCALAR = 256;
const GEMMA3_LOCAL_ROPE_THETA = 10000;
const GEMMA3_SLIDING_PATTERN = 6;

export function parseModelSpec(config: unknown, generationConfig?: unknown): ModelSpec {
  const top = asObject(config, 'config.json');
  const gen = generationConfig === undefined || generationConfig === null ? {} : asObject(generationConfig, 'generation_config.json');
  const modelType = top.model_type;
  if (typeof modelType !== 'string') {
    throw new UnsupportedModelError(`config.json has no model_type; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  }
  // own keys only: "constructor", "__proto__" or "toString" are not model types
  const family = Object.hasOwn(FAMILY_OF_MODEL_TYPE, modelType) ? FAMILY_OF_MODEL_TYPE[modelType] : undefined;
  if (!family) {
    throw new UnsupportedModelError(
      `model_type "${modelType}" is not supported; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
  // gemma3 multimodal: the language model's settings sit under text_config; ids and tying may be on top.
  const cfg: Json = modelType === 'gemma3' && isObject(top.text_config) ? { ...top.text_config } : top;
  const outer: Json[] = cfg === top ? [top] : [cfg, top];
  const d = DEFAULTS[family];
  const r = new ConfigReader(cfg);

  const hidden = r.int('hidden_size', d.hidden);
  const heads = r.int('num_attention_heads', d.heads);
  const kvHeads = r.int('num_key_value_heads', d.kvHeads ?? heads);
  const headDim = r.int('head_dim', d.headDim ?? Math.floor(hidden / heads));
  const layers = r.int('num_hidden_layers', d.layers);
  const maxPositions = r.int('max_position_embeddings', d.maxPositions);
  if (heads % kvHeads !== 0) {
    throw new ModelFileError('config.json', `num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`, 'Fix config.json to match the checkpoint');
  }
  if (d.headDim === null && cfg.head_dim == null && hidden % heads !== 0) {
    throw new ModelFileError('config.json', `hidden_size ${hidden} is not divisible by num_attention_heads ${heads} and head_dim is not given`, 'Add head_dim to config.json');
  }

  const gemma = family === 'gemma' || family === 'gemma2' || family === 'gemma3';
  const queryPreAttnScalar = r.positive('query_pre_attn_scalar', GEMMA_QUERY_PRE_ATTN_SCALAR);
  const attentionBias = r.bool('attention_bias', false);
  const { layerKinds, slidingWindow } = slidingLayers(family, r, layers, maxPositions);
  const rope = ropeTables(family, cfg, headDim);

  return {
    family,
    modelType,
    vocabSize: r.int('vocab_size', d.vocab),
    hidden,
    layers,
    heads,
    kvHeads,
    headDim,
    intermediate: r.int('intermediate_size', d.intermediate),
    activation: activationOf(family, cfg, d.act),
    rmsEps: r.fraction('rms_norm_eps', d.eps),
    normPlusOne: gemma,
    // HF multiplies by torch.tensor(D ** 0.5, dtype=hidden_states.dtype): the compute dtype. The engine
    // computes in f32 (as transformers does over upcast weights), so the f32 value is the one used;
    // a bf16/f16 run would use it rounded to that dtype (45.25 for sqrt(2048) in bf16).
    embedScale: gemma ? Math.fround(Math.sqrt(hidden)) : 1,
    tiedEmbeddings: firstBool(outer, 'tie_word_embeddings') ?? d.tied,
    // qwen2 always has q/k/v biases (hard-coded in Qwen2Attention); mistral has none.
    qkvBias: family === 'qwen2' || (family !== 'mistral' && attentionBias),
    oBias: family !== 'qwen2' && family !== 'mistral' && attentionBias,
    mlpBias: family === 'llama' && r.bool('mlp_bias', false),
    qkNorm: family === 'qwen3' || family === 'gemma3',
    sandwichNorms: family === 'gemma2' || family === 'gemma3',
    attnScale: family === 'gemma2' || family === 'gemma3' ? queryPreAttnScalar ** -0.5 : headDim ** -0.5,
    attnSoftcap: family === 'gemma2' ? r.positiveOrNull('attn_logit_softcapping', GEMMA2_SOFTCAP.attn) : family === 'gemma3' ? r.positiveOrNull('attn_logit_softcapping', null) : null,
    finalSoftcap: family === 'gemma2' ? r.positiveOrNull('final_logit_softcapping', GEMMA2_SOFTCAP.final) : family === 'gemma3' ? r.positiveOrNull('final_logit_softcapping', null) : null,
    layerKinds,
    slidingWindow,
    ropeFull: rope.full,
    ropeSliding: rope.sliding,
    bosId: tokenId(outer, gen, 'bos_token_id', d.bos),
    eosIds: eosIds(outer, gen, d.eos),
    padId: tokenId(outer, gen, 'pad_token_id', d.pad),
    dtype: firstString(outer, 'dtype') ?? firstString(outer, 'torch_dtype') ?? 'unknown',
    maxPositions,
  };
}

// ---------------------------------------------------------------------------------------------

function activationOf(family: Family, cfg: Json, fallback: string): Activation {
  // Gemma (1/2/3): transformers reads hidden_activation (default gelu_pytorch_tanh, the activation the
  // models were trained with, PR 29402). Early gemma configs say hidden_act "gelu" with no
  // hidden_activation; transformers 4.38-4.x ignored that hidden_act, and so do we (transformers 5's
  // GemmaMLP reads hidden_act again, i.e. exact gelu for such configs: a max difference of ~1e-3 per unit).
  const gemma = family === 'gemma' || family === 'gemma2' || family === 'gemma3';
  const name = (gemma ? cfg.hidden_activation : cfg.hidden_act) ?? fallback;
  switch (name) {
    case 'silu':
    case 'swish':
      return 'silu';
    case 'gelu_pytorch_tanh':
    case 'gelu_new':
    case 'gelu_fast':
      return 'gelu_tanh';
    case 'gelu':
      return 'gelu';
    default:
      throw new UnsupportedModelError(`activation ${brief(name)} is not supported (supported: silu, gelu, gelu_pytorch_tanh)`);
  }
}

/** Which layers use a sliding window, and its size W (a query at t sees keys t-W+1..t, as in HF's mask).
 *  Layers are marked 'sliding' only where the window binds (W < max positions). */
function slidingLayers(family: Family, r: ConfigReader, L: number, maxPositions: number): { layerKinds: LayerKind[]; slidingWindow: number | null } {
  const d = DEFAULTS[family];
  let window: number | null = null;
  let sliding: boolean[] = new Array<boolean>(L).fill(false);
  const typesFromConfig = (): boolean[] | null => {
    const types = r.cfg.layer_types;
    if (!Array.isArray(types)) return null;
    if (types.length !== L || !types.every((t) => t === 'full_attention' || t === 'sliding_attention')) {
      throw new ModelFileError('config.json', `layer_types must list ${L} entries of "full_attention" / "sliding_attention"`, 'Fix layer_types in config.json');
    }
    return types.map((t) => t === 'sliding_attention');
  };
  switch (family) {
    case 'mistral':
      window = r.intOrNull('sliding_window', d.slidingWindow);
      sliding = sliding.map(() => window !== null);
      break;
    case 'qwen2':
    case 'qwen3': {
      // Qwen2Config: sliding_window only counts when use_sliding_window; then layers >= max_window_layers slide.
      if (r.bool('use_sliding_window', false)) window = r.intOrNull('sliding_window', d.slidingWindow);
      if (window !== null) {
        const maxWindowLayers = r.int('max_window_layers', 28);
        sliding = typesFromConfig() ?? sliding.map((_, i) => i >= maxWindowLayers);
      }
      break;
    }
    case 'gemma2':
      window = r.intOrNull('sliding_window', d.slidingWindow);
      sliding = typesFromConfig() ?? sliding.map((_, i) => i % 2 === 0); // even layers slide
      break;
    case 'gemma3': {
      window = r.intOrNull('sliding_window', d.slidingWindow);
      const pattern = r.int('sliding_window_pattern', GEMMA3_SLIDING_PATTERN);
      sliding = typesFromConfig() ?? sliding.map((_, i) => (i + 1) % pattern !== 0); // every pattern-th layer is full
      break;
    }
    default:
      break;
  }
  const binds = window !== null && window < maxPositions;
  const layerKinds = sliding.map((s): LayerKind => (s && binds ? 'sliding' : 'full'));
  return { layerKinds, slidingWindow: layerKinds.includes('sliding') ? window : null };
}

export interface RopeParams {
  theta: number;
  type: string;
  factor?: number;
  lowFreqFactor?: number;
  highFreqFactor?: number;
  originalMaxPositions?: number;
  partialRotaryFactor: number;
}

function ropeTables(family: Family, cfg: Json, headDim: number): { full: RopeTable; sliding: RopeTable } {
  const full = ropeTable(ropeParams(family, cfg, 'full'), headDim);
  const sliding = family === 'gemma3' ? ropeTable(ropeParams(family, cfg, 'sliding'), headDim) : full;
  return { full, sliding };
}

/** RoPE settings for one layer type, from rope_parameters (transformers 5; flat or keyed by layer type)
 *  or rope_theta + rope_scaling (transformers 4; gemma3's local layers use rope_local_base_freq, unscaled). */
function ropeParams(family: Family, cfg: Json, kind: 'full' | 'sliding'): RopeParams {
  const d = DEFAULTS[family];
  const gemma3Local = family === 'gemma3' && kind === 'sliding';
  const legacyTheta = gemma3Local ? num(cfg.rope_local_base_freq, GEMMA3_LOCAL_ROPE_THETA, 'rope_local_base_freq') : num(cfg.rope_theta, d.ropeTheta, 'rope_theta');
  let params: Json | null = null;
  const rp = cfg.rope_parameters;
  if (isObject(rp)) {
    if (isObject(rp.full_attention) || isObject(rp.sliding_attention)) {
      const keyed = kind === 'sliding' ? rp.sliding_attention ?? rp.full_attention : rp.full_attention;
      params = isObject(keyed) ? keyed : null;
    } else if (!gemma3Local) {
      params = rp;
    }
  } else if (!gemma3Local && isObject(cfg.rope_scaling)) {
    params = cfg.rope_scaling;
  }
  const p = params ?? {};
  const type = p.rope_type ?? p.type ?? 'default';
  if (typeof type !== 'string') throw new ModelFileError('config.json', `rope type ${brief(type)} is not a string`, 'Fix rope_parameters / rope_scaling in config.json');
  const rope: RopeParams = {
    theta: num(p.rope_theta, legacyTheta, 'rope_theta'),
    type,
    factor: optNum(p.factor),
    lowFreqFactor: optNum(p.low_freq_factor),
    highFreqFactor: optNum(p.high_freq_factor),
    originalMaxPositions: optNum(p.original_max_position_embeddings),
    partialRotaryFactor: num(p.partial_rotary_factor ?? cfg.partial_rotary_factor, 1, 'partial_rotary_factor'),
  };
  checkRopeParams(rope);
  return rope;
}

/** Ranges where the inverse frequencies are finite and the rotary part is a whole, even number of dims. */
function checkRopeParams(p: RopeParams): void {
  const bad = (what: string) => new ModelFileError('config.json', what, 'Fix the rope settings (rope_theta, rope_scaling / rope_parameters, partial_rotary_factor) to the values the model was trained with');
  if (!(p.theta > 0)) throw bad(`rope_theta ${p.theta} must be a positive number`);
  if (p.factor !== undefined && !(p.factor > 0)) throw bad(`rope factor ${p.factor} must be a positive number`);
  if (!(p.partialRotaryFactor > 0 && p.partialRotaryFactor <= 1)) throw bad(`partial_rotary_factor ${p.partialRotaryFactor} must be in (0, 1] (the share of each head that is rotated)`);
  if (p.type === 'llama3') {
    if (p.lowFreqFactor !== undefined && !(p.lowFreqFactor > 0)) throw bad(`low_freq_factor ${p.lowFreqFactor} must be a positive number`);
    if (p.lowFreqFactor !== undefined && p.highFreqFactor !== undefined && !(p.highFreqFactor > p.lowFreqFactor)) {
      throw bad(`high_freq_factor ${p.highFreqFactor} must be larger than low_freq_factor ${p.lowFreqFactor}`);
    }
    if (p.originalMaxPositions !== undefined && !(Number.isInteger(p.originalMaxPositions) && p.originalMaxPositions > 0)) {
      throw bad(`original_max_position_embeddings ${p.originalMaxPositions} must be a positive integer`);
    }
  }
}

/** Inverse frequencies as transformers computes them (float32 steps), then the scaling of the rope type. */
export function ropeTable(p: RopeParams, headDim: number): RopeTable {
  const rotaryDim = Math.floor(headDim * p.partialRotaryFactor);
  if (rotaryDim < 2 || rotaryDim % 2 !== 0) {
    throw new ModelFileError(
      'config.json',
      `partial_rotary_factor ${p.partialRotaryFactor} rotates ${rotaryDim} of head_dim ${headDim} dimensions, ${rotaryDim < 2 ? 'fewer than 2' : 'an odd number'}`,
      'Fix partial_rotary_factor (head_dim x partial_rotary_factor must be a positive even number)',
    );
  }
  const half = rotaryDim >> 1;
  const base = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    const exponent = Math.fround(Math.fround(2 * i) / rotaryDim);
    base[i] = Math.fround(1 / Math.fround(p.theta ** exponent));
  }
  const need = (v: number | undefined, key: string): number => {
    if (v === undefined) throw new ModelFileError('config.json', `rope type "${p.type}" needs ${key}`, `Add ${key} to the rope settings in config.json`);
    return v;
  };
  let inv: Float64Array = base;
  switch (p.type) {
    case 'default':
    // dynamic NTK only changes the frequencies for sequences longer than max_position_embeddings,
    // which this tool never evaluates; within them it is the default rope.
    case 'dynamic':
      break;
    case 'linear': {
      const factor = need(p.factor, 'factor');
      inv = base.map((f) => f / factor);
      break;
    }
    case 'llama3':
      inv = llama3InvFreq(base, need(p.factor, 'factor'), need(p.lowFreqFactor, 'low_freq_factor'), need(p.highFreqFactor, 'high_freq_factor'), need(p.originalMaxPositions, 'original_max_position_embeddings'));
      break;
    default:
      throw new UnsupportedModelError(`rope type "${p.type}" is not supported (supported: default, linear, llama3, dynamic)`);
  }
  return { invFreq: Float32Array.from(inv), attentionScaling: 1 };
}

/** Llama 3.1 frequency smoothing: long wavelengths divided by factor, short kept, the band between interpolated. */
function llama3InvFreq(inv: Float64Array, factor: number, low: number, high: number, oldContext: number): Float64Array {
  const lowFreqWavelen = oldContext / low;
  const highFreqWavelen = oldContext / high;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / factor;
    const smooth = (oldContext / wavelen - low) / (high - low);
    return ((1 - smooth) * f) / factor + smooth * f;
  });
}

// ---- token ids -----------------------------------------------------------------------------------

function tokenId(outer: Json[], gen: Json, key: string, fallback: number | null): number | null {
  for (const src of [...outer, gen]) {
    const v = src[key];
    if (v === undefined || v === null) continue;
    const id = Array.isArray(v) ? v[0] : v;
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
    throw new ModelFileError(src === gen ? 'generation_config.json' : 'config.json', `${key} ${brief(v)} is not a token id`, `Fix ${key}`);
  }
  return fallback;
}

function eosIds(outer: Json[], gen: Json, fallback: number | null): number[] {
  for (const src of [...outer, gen]) {
    const v = src.eos_token_id;
    if (v === undefined || v === null) continue;
    const ids = Array.isArray(v) ? v : [v];
    if (!ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0)) {
      throw new ModelFileError(src === gen ? 'generation_config.json' : 'config.json', `eos_token_id ${brief(v)} is not a token id or a list of them`, 'Fix eos_token_id');
    }
    return [...new Set(ids as number[])];
  }
  return fallback === null ? [] : [fallback];
}

// ---- small readers ------------------------------------------------------------------------------

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: unknown, file: string): Json {
  if (!isObject(v)) throw new ModelFileError(file, 'is not a JSON object', `Download ${file} again`);
  return v;
}

function num(v: unknown, fallback: number, key: string): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFileError('config.json', `${key} ${brief(v)} is not a number`, `Fix ${key} in config.json`);
  return v;
}

function optNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function firstBool(objs: Json[], key: string): boolean | undefined {
  for (const o of objs) if (typeof o[key] === 'boolean') return o[key] as boolean;
  return undefined;
}

function firstString(objs: Json[], key: string): string | undefined {
  for (const o of objs) if (typeof o[key] === 'string') return o[key] as string;
  return undefined;
}

/** Typed access to config keys with the config class's default when a key is absent or null. */
class ConfigReader {
  constructor(readonly cfg: Json) {}

  num(key: string, fallback: number): number {
    return num(this.cfg[key], fallback, key);
  }

  /** A number > 0 (a scale or a divisor). */
  positive(key: string, fallback: number): number {
    const v = this.num(key, fallback);
    if (!(v > 0)) throw new ModelFileError('config.json', `${key} ${v} must be a positive number`, `Fix ${key} in config.json`);
    return v;
  }

  /** like positive, but an explicit null stays null (e.g. softcapping disabled). */
  positiveOrNull(key: string, fallback: number | null): number | null {
    if (!Object.hasOwn(this.cfg, key)) return fallback;
    return this.cfg[key] === null ? null : this.positive(key, 0);
  }

  /** A number in (0, 1) (an epsilon). */
  fraction(key: string, fallback: number): number {
    const v = this.num(key, fallback);
    if (!(v > 0 && v < 1)) throw new ModelFileError('config.json', `${key} ${v} must be in (0, 1)`, `Fix ${key} in config.json (typically 1e-5 or 1e-6)`);
    return v;
  }

  /** A positive whole number, at most SIZE_LIMITS[key] where one is set. */
  int(key: string, fallback: number): number {
    const v = this.num(key, fallback);
    if (!Number.isInteger(v) || v <= 0) throw new ModelFileError('config.json', `${key} ${v} is not a positive integer`, `Fix ${key} in config.json`);
    const limit = Object.hasOwn(SIZE_LIMITS, key) ? SIZE_LIMITS[key] : Number.MAX_SAFE_INTEGER;
    if (v > limit) {
      throw new ModelFileError('config.json', `${key} ${v} is larger than any real model (limit ${limit})`, `Fix ${key} in config.json: use the config.json that came with the weights`);
    }
    return v;
  }

  intOrNull(key: string, fallback: number | null): number | null {
    if (!Object.hasOwn(this.cfg, key)) return fallback;
    return this.cfg[key] === null ? null : this.int(key, 1);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.cfg[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw new ModelFileError('config.json', `${key} ${brief(v)} is not true/false`, `Fix ${key} in config.json`);
    return v;
  }
}
