// Random-weight Hugging Face model folders at real shapes, for size tests and benchmarks: config,
// generation config, a real tokenizer (copied) and BF16/F16/F32 safetensors shards written one
// tensor at a time (host memory: one tensor). Seeded, so a folder is reproducible byte for byte.
// Weights ~ N(0, std) with std 0.02 (projections) so activations stay in range; norms 1 (0 for
// Gemma's 1 + w); q/k/v biases for qwen2. Not trained: for speed and memory, never quality.
import { encodeFromF32 } from '../io/dtype-encode';
import type { SupportedDtype } from '../io/safetensors';
import { wholeTensor, writeSafetensors, type TensorToWrite } from '../io/safetensors-writer';
import type { OutputFolder } from '../io/source';
import { parseModelSpec } from '../model/spec';
import { weightTable } from '../model/weights';

export interface RandomModelShape {
  model_type: 'llama' | 'qwen2' | 'mistral' | 'gemma' | 'gemma2' | 'gemma3_text' | 'qwen3';
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  tie_word_embeddings: boolean;
  rope_theta?: number;
  rms_norm_eps?: number;
  max_position_embeddings?: number;
}

/** Real model shapes (from their config.json files), plus small ones sized for CPU tests. */
export const SHAPES: Record<string, RandomModelShape> = {
  'qwen2.5-0.5b': { model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, num_hidden_layers: 24, intermediate_size: 4864, num_attention_heads: 14, num_key_value_heads: 2, head_dim: 64, tie_word_embeddings: true, rope_theta: 1e6, rms_norm_eps: 1e-6, max_position_embeddings: 32768 },
  'qwen2.5-1.5b': { model_type: 'qwen2', vocab_size: 151936, hidden_size: 1536, num_hidden_layers: 28, intermediate_size: 8960, num_attention_heads: 12, num_key_value_heads: 2, head_dim: 128, tie_word_embeddings: true, rope_theta: 1e6, rms_norm_eps: 1e-6, max_position_embeddings: 32768 },
  'llama-3.2-1b': { model_type: 'llama', vocab_size: 128256, hidden_size: 2048, num_hidden_layers: 16, intermediate_size: 8192, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 64, tie_word_embeddings: true, rope_theta: 500000, rms_norm_eps: 1e-5, max_position_embeddings: 131072 },
  'llama-3.1-8b': { model_type: 'llama', vocab_size: 128256, hidden_size: 4096, num_hidden_layers: 32, intermediate_size: 14336, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, tie_word_embeddings: false, rope_theta: 500000, rms_norm_eps: 1e-5, max_position_embeddings: 131072 },
  /** about 300 MB in BF16 with the Llama-2 32k tokenizer: the CPU streaming test */
  'cpu-300m': { model_type: 'llama', vocab_size: 32000, hidden_size: 768, num_hidden_layers: 16, intermediate_size: 2048, num_attention_heads: 12, num_key_value_heads: 4, head_dim: 64, tie_word_embeddings: false, rope_theta: 10000, rms_norm_eps: 1e-5, max_position_embeddings: 4096 },
  /** a few MB: unit tests of the streaming path with a real 32k vocabulary */
  'tiny-32k': { model_type: 'llama', vocab_size: 32000, hidden_size: 64, num_hidden_layers: 3, intermediate_size: 160, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, tie_word_embeddings: false, rope_theta: 10000, rms_norm_eps: 1e-5, max_position_embeddings: 2048 },
};

/** Normal(0, 1) samples from a seeded generator (mulberry32 + Box-Muller). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

function hashName(name: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface RandomModelOptions {
  shape: RandomModelShape;
  dtype: SupportedDtype;
  seed?: number;
  /** tokenizer.json (and tokenizer_config.json) to ship with the model */
  tokenizerJson: string;
  tokenizerConfig?: string;
  bosId?: number | null;
  eosId?: number | null;
  maxShardBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Writes a complete model folder into `out`. Returns the number of parameters. */
export async function writeRandomModel(out: OutputFolder, opts: RandomModelOptions): Promise<{ params: number; bytes: number }> {
  const seed = opts.seed ?? 1;
  const config: Record<string, unknown> = {
    architectures: [archOf(opts.shape.model_type)],
    ...opts.shape,
    bos_token_id: opts.bosId ?? null,
    eos_token_id: opts.eosId ?? null,
    torch_dtype: opts.dtype === 'BF16' ? 'bfloat16' : opts.dtype === 'F16' ? 'float16' : 'float32',
    hidden_act: opts.shape.model_type.startsWith('gemma') ? 'gelu_pytorch_tanh' : 'silu',
  };
  const spec = parseModelSpec(config);
  const gemma = spec.normPlusOne;
  const elem = opts.dtype === 'F32' ? 4 : 2;
  const tensors: TensorToWrite[] = weightTable(spec).map((ref) => {
    const n = ref.shape.reduce((a, b) => a * b, 1);
    const isNorm = ref.role.endsWith('Norm') || ref.role === 'finalNorm';
    const isBias = ref.role.endsWith('Bias');
    return {
      name: ref.name,
      dtype: opts.dtype,
      shape: ref.shape,
      byteLength: n * elem,
      chunks: wholeTensor(async () => {
        const values = new Float32Array(n);
        if (isNorm) values.fill(gemma ? 0 : 1);
        else {
          const g = gaussian(hashName(ref.name, seed));
          const std = isBias ? 0.01 : 0.02;
          for (let i = 0; i < n; i++) values[i] = g() * std;
        }
        return encodeFromF32(values, opts.dtype);
      }),
    };
  });
  const { files } = await writeSafetensors(out, tensors, { maxShardBytes: opts.maxShardBytes, onProgress: opts.onProgress });
  void files;
  const write = async (name: string, text: string) => {
    const sink = await out.create(name);
    await sink.write(new TextEncoder().encode(text));
    await sink.close();
  };
  await write('config.json', JSON.stringify(config, null, 2) + '\n');
  await write('generation_config.json', JSON.stringify({ bos_token_id: opts.bosId ?? null, eos_token_id: opts.eosId ?? null }, null, 2) + '\n');
  await write('tokenizer.json', opts.tokenizerJson);
  if (opts.tokenizerConfig) await write('tokenizer_config.json', opts.tokenizerConfig);
  const params = tensors.reduce((a, t) => a + t.byteLength / elem, 0);
  return { params, bytes: params * elem };
}

function archOf(t: RandomModelShape['model_type']): string {
  return {
    llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', mistral: 'MistralForCausalLM', gemma: 'GemmaForCausalLM',
    gemma2: 'Gemma2ForCausalLM', gemma3_text: 'Gemma3ForCausalLM', qwen3: 'Qwen3ForCausalLM',
  }[t];
}
