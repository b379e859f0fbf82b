// ModelSpec: everything the engine needs from config.json, typed and normalised.
// Letters: T tokens, D hidden, H heads, K kv heads, E head dim, I ffn, V vocab, L layers.

export type Family = 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'gemma' | 'gemma2' | 'gemma3';
export type Activation = 'silu' | 'gelu_tanh' | 'gelu';
export type LayerKind = 'full' | 'sliding';

export interface RopeTable {
  /** inverse frequencies, length rotaryDim/2 (llama3 / linear scaling already applied). */
  invFreq: Float32Array;
  /** multiplies cos and sin (HF `attention_scaling`; 1 for default rope). */
  attentionScaling: number;
}

export interface ModelSpec {
  family: Family;
  /** config.json model_type as written (e.g. "gemma3_text"). */
  modelType: string;
  vocabSize: number; // V
  hidden: number; // D
  layers: number; // L
  heads: number; // H
  kvHeads: number; // K
  headDim: number; // E (explicit head_dim or D / H)
  intermediate: number; // I
  activation: Activation;
  rmsEps: number;
  /** Gemma RMSNorm multiplies by (1 + w) instead of w. */
  normPlusOne: boolean;
  /** Gemma scales embeddings by sqrt(D) (in the compute dtype). 1 elsewhere. */
  embedScale: number;
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases (qwen2; llama/mistral attention_bias). */
  qkvBias: boolean;
  /** o_proj carries a bias (llama attention_bias). */
  oBias: boolean;
  /** gate/up/down carry biases (llama mlp_bias). */
  mlpBias: boolean;
  /** per-head RMSNorm on q and k before RoPE (qwen3, gemma3). */
  qkNorm: boolean;
  /** gemma2/3 sandwich norms: post_attention_layernorm on the attention output,
   *  pre_feedforward_layernorm before and post_feedforward_layernorm after the MLP. */
  sandwichNorms: boolean;
  /** multiplies q.k (1/sqrt(E), or query_pre_attn_scalar^-0.5 for gemma2/3). */
  attnScale: number;
  attnSoftcap: number | null; // gemma2 attn_logit_softcapping
  finalSoftcap: number | null; // gemma2 final_logit_softcapping
  /** per layer: full causal attention, or sliding window of `slidingWindow` tokens. */
  layerKinds: LayerKind[];
  slidingWindow: number | null;
  ropeFull: RopeTable;
  /** gemma3 local layers use rope_local_base_freq; equal to ropeFull elsewhere. */
  ropeSliding: RopeTable;
  bosId: number | null;
  eosIds: number[];
  padId: number | null;
  /** dtype named in config.json (informational; tensors carry their own). */
  dtype: string;
  /** max_position_embeddings (optional so hand-written specs in tests stay valid). */
  maxPositions?: number;
}
