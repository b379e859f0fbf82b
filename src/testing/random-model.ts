// Tiny random-weight models of every family with real tokenizers, written at test time
// (seeded, deterministic) into a folder laid out as save_pretrained writes one:
// config.json, generation_config.json, tokenizer.json, tokenizer_config.json and
// model.safetensors (or N shards + model.safetensors.index.json).
// The tensor names are listed here from Hugging Face's modeling files, independently of
// src/model/weights.ts, and the files are written with hand-built headers (io/test-helpers),
// not by src/io's writer, so a test that reads them checks our loader, not itself.
// Random weights, NOT trained: for loaders, tokenizer pruning and export, never quality.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSafetensors, type RawTensor } from '../io/test-helpers';
import { readFixtureJson, tokenizerFixtureDir, type TokenizerFixture } from './fixtures';

export const RANDOM_FAMILIES = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3'] as const;
export type RandomFamily = (typeof RANDOM_FAMILIES)[number];
export type RandomDtype = 'F32' | 'BF16';

/** The real tokenizer each family is paired with by default. */
export const FAMILY_TOKENIZER: Record<RandomFamily, TokenizerFixture> = {
  llama: 'llama-10m',
  mistral: 'llama-10m',
  qwen2: 'qwen2-14m',
  qwen3: 'qwen2-14m',
  gemma: 'gemma-style',
  gemma2: 'gemma-style',
  gemma3: 'gemma-style',
};

export interface RandomModelOptions {
  family: RandomFamily;
  tokenizer?: TokenizerFixture;
  dtype?: RandomDtype;
  /** weight files: 1 = model.safetensors, more = shards + index (tensors split as evenly as whole tensors allow). */
  shards?: number;
  layers?: number;
  hidden?: number;
  intermediate?: number;
  /** untied lm_head (families default to tied, except llama/mistral). */
  tied?: boolean;
  seed?: number;
}

export interface RandomModel {
  dir: string;
  config: Record<string, unknown>;
  /** every tensor written, in file order: name -> shape. */
  tensors: Map<string, number[]>;
}

const MODEL_TYPE: Record<RandomFamily, [string, string]> = {
  llama: ['llama', 'LlamaForCausalLM'],
  mistral: ['mistral', 'MistralForCausalLM'],
  qwen2: ['qwen2', 'Qwen2ForCausalLM'],
  qwen3: ['qwen3', 'Qwen3ForCausalLM'],
  gemma: ['gemma', 'GemmaForCausalLM'],
  gemma2: ['gemma2', 'Gemma2ForCausalLM'],
  gemma3: ['gemma3_text', 'Gemma3ForCausalLM'],
};

const HEADS = 4;
const KV_HEADS = 2;
const HEAD_DIM = 8;
const WINDOW = 16;

/** config.json for a family at the given sizes, with the tokenizer's vocabulary size and special ids. */
export function randomModelConfig(o: RandomModelOptions): Record<string, unknown> {
  const tok = o.tokenizer ?? FAMILY_TOKENIZER[o.family];
  const tokConfig = readFixtureJson(path.join(tokenizerFixtureDir(tok), 'config.json')) as Record<string, unknown>;
  const [modelType, arch] = MODEL_TYPE[o.family];
  const gemma = o.family.startsWith('gemma');
  const layers = o.layers ?? 2;
  const cfg: Record<string, unknown> = {
    architectures: [arch],
    model_type: modelType,
    vocab_size: tokConfig.vocab_size,
    hidden_size: o.hidden ?? 32,
    intermediate_size: o.intermediate ?? 48,
    num_hidden_layers: layers,
    num_attention_heads: HEADS,
    num_key_value_heads: KV_HEADS,
    head_dim: HEAD_DIM,
    max_position_embeddings: 512,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: o.tied ?? !(o.family === 'llama' || o.family === 'mistral'),
    bos_token_id: tokConfig.bos_token_id,
    eos_token_id: tokConfig.eos_token_id,
    pad_token_id: tokConfig.pad_token_id ?? null,
    torch_dtype: (o.dtype ?? 'F32') === 'BF16' ? 'bfloat16' : 'float32',
  };
  if (gemma) cfg.hidden_activation = 'gelu_pytorch_tanh';
  else cfg.hidden_act = 'silu';
  if (o.family === 'mistral') cfg.sliding_window = WINDOW;
  if (o.family === 'gemma2') Object.assign(cfg, { sliding_window: WINDOW, query_pre_attn_scalar: HEAD_DIM, attn_logit_softcapping: 50, final_logit_softcapping: 30 });
  if (o.family === 'gemma3') {
    Object.assign(cfg, {
      sliding_window: WINDOW,
      query_pre_attn_scalar: HEAD_DIM,
      rope_local_base_freq: 10000,
      rope_theta: 1e6,
      layer_types: Array.from({ length: layers }, (_, i) => ((i + 1) % 6 === 0 || i === layers - 1 ? 'full_attention' : 'sliding_attention')),
    });
  }
  return cfg;
}

/** Tensor names and shapes of a decoder of this family (Hugging Face's names). */
export function randomModelTensors(family: RandomFamily, cfg: Record<string, unknown>): Map<string, number[]> {
  const [V, D, I, L] = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers'].map((k) => cfg[k] as number);
  const q = HEADS * HEAD_DIM;
  const kv = KV_HEADS * HEAD_DIM;
  const t = new Map<string, number[]>([['model.embed_tokens.weight', [V, D]]]);
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    t.set(`${p}input_layernorm.weight`, [D]);
    t.set(`${p}self_attn.q_proj.weight`, [q, D]);
    t.set(`${p}self_attn.k_proj.weight`, [kv, D]);
    t.set(`${p}self_attn.v_proj.weight`, [kv, D]);
    if (family === 'qwen2') {
      t.set(`${p}self_attn.q_proj.bias`, [q]);
      t.set(`${p}self_attn.k_proj.bias`, [kv]);
      t.set(`${p}self_attn.v_proj.bias`, [kv]);
    }
    t.set(`${p}self_attn.o_proj.weight`, [D, q]);
    if (family === 'qwen3' || family === 'gemma3') {
      t.set(`${p}self_attn.q_norm.weight`, [HEAD_DIM]);
      t.set(`${p}self_attn.k_norm.weight`, [HEAD_DIM]);
    }
    t.set(`${p}post_attention_layernorm.weight`, [D]);
    if (family === 'gemma2' || family === 'gemma3') {
      t.set(`${p}pre_feedforward_layernorm.weight`, [D]);
      t.set(`${p}post_feedforward_layernorm.weight`, [D]);
    }
    t.set(`${p}mlp.gate_proj.weight`, [I, D]);
    t.set(`${p}mlp.up_proj.weight`, [I, D]);
    t.set(`${p}mlp.down_proj.weight`, [D, I]);
  }
  t.set('model.norm.weight', [D]);
  if (!cfg.tie_word_embeddings) t.set('lm_head.weight', [V, D]);
  return t;
}

/** mulberry32: deterministic uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values of one tensor: norms near their identity (1, or 0 for Gemma's 1 + w), the rest uniform with std 0.1. */
function tensorValues(name: string, n: number, gemma: boolean, next: () => number): Float32Array {
  const norm = name.endsWith('norm.weight');
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = (next() * 2 - 1) * Math.sqrt(3); // unit variance
    v[i] = norm ? (gemma ? 0 : 1) + 0.1 * u : 0.1 * u;
  }
  return v;
}

/** f32 -> bf16 bits, round to nearest even. */
function toBf16(v: Float32Array): Uint8Array {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length);
  const out = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16;
  return new Uint8Array(out.buffer);
}

/** Writes the model folder into `dir` (created if needed) and returns what it wrote. */
export async function writeRandomModel(dir: string, o: RandomModelOptions): Promise<RandomModel> {
  const tok = o.tokenizer ?? FAMILY_TOKENIZER[o.family];
  const dtype = o.dtype ?? 'F32';
  const config = randomModelConfig(o);
  const tensors = randomModelTensors(o.family, config);
  const next = rng(o.seed ?? 1234);
  const gemma = o.family.startsWith('gemma');
  const data = new Map<string, Uint8Array>();
  for (const [name, shape] of tensors) {
    const v = tensorValues(name, shape.reduce((a, b) => a * b, 1), gemma, next);
    data.set(name, dtype === 'BF16' ? toBf16(v) : new Uint8Array(v.buffer));
  }

  // whole tensors in file order, cut into `shards` groups of about equal bytes
  const shards = Math.max(1, o.shards ?? 1);
  const total = [...data.values()].reduce((a, b) => a + b.length, 0);
  const groups: string[][] = [[]];
  let acc = 0;
  for (const [name, bytes] of data) {
    if (groups.at(-1)!.length > 0 && groups.length < shards && acc + bytes.length / 2 > (total * groups.length) / shards) groups.push([]);
    groups.at(-1)!.push(name);
    acc += bytes.length;
  }
  await mkdir(dir, { recursive: true });
  const files = groups.length === 1 ? ['model.safetensors'] : groups.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(groups.length).padStart(5, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (let g = 0; g < groups.length; g++) {
    const header: Record<string, RawTensor | Record<string, string>> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    for (const name of groups[g]) {
      const n = data.get(name)!.length;
      header[name] = { dtype, shape: tensors.get(name)!, data_offsets: [offset, offset + n] };
      offset += n;
      weightMap[name] = files[g];
    }
    const body = new Uint8Array(offset);
    offset = 0;
    for (const name of groups[g]) {
      body.set(data.get(name)!, offset);
      offset += data.get(name)!.length;
    }
    await writeFile(path.join(dir, files[g]), buildSafetensors(header, body));
  }
  if (groups.length > 1) {
    await writeFile(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  }
  const tokDir = tokenizerFixtureDir(tok);
  const generation = readFixtureJson(path.join(tokDir, 'generation_config.json')) as Record<string, unknown>;
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await writeFile(path.join(dir, 'generation_config.json'), JSON.stringify(generation, null, 2));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(path.join(tokDir, f), path.join(dir, f));
  return { dir, config, tensors };
}
