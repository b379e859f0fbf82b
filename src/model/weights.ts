// The one weight table per architecture (principle 6): HF tensor name <-> role, shape and how pruning
// slices it. The loader reads through it; the exporter writes through it in reverse.
// HF Linear weights are [out, in]. Letters: D hidden, H heads, K kv heads, E head dim, I ffn, V vocab.

import { ModelFileError } from '../io/errors';
import { checkSupportedDtype, type TensorEntry } from '../io/safetensors';
import type { ModelSpec } from './spec-types';

export type WeightRole =
  | 'embed'
  | 'lmHead'
  | 'finalNorm'
  | 'attnNorm'
  | 'q'
  | 'k'
  | 'v'
  | 'o'
  | 'qBias'
  | 'kBias'
  | 'vBias'
  | 'oBias'
  | 'qNorm'
  | 'kNorm'
  | 'postAttnNorm'
  | 'preFfnNorm'
  | 'postFfnNorm'
  | 'gate'
  | 'up'
  | 'down'
  | 'gateBias'
  | 'upBias'
  | 'downBias';

/** How COMPACT pruning slices a tensor: vocabulary rows ([V, D]), FFN rows ([I, D]),
 *  FFN columns ([D, I]), an FFN-length vector ([I]); null: untouched. */
export type PruneAxis = 'vocabRows' | 'ffnRows' | 'ffnCols' | 'ffnVector' | null;

export interface WeightRef {
  role: WeightRole;
  /** decoder layer index, null for embed / lmHead / finalNorm. */
  layer: number | null;
  /** exact HF tensor name. */
  name: string;
  shape: number[];
  prune: PruneAxis;
}

/** Where the decoder and the lm head live in the checkpoint's names. */
export interface NamePrefixes {
  /** prefix of embed_tokens / layers / norm, e.g. "model." */
  decoder: string;
  lmHead: string;
}

const PREFIX_CANDIDATES: NamePrefixes[] = [
  { decoder: 'model.', lmHead: 'lm_head.weight' },
  // gemma3 multimodal checkpoints (transformers 5 and 4 layouts)
  { decoder: 'model.language_model.', lmHead: 'lm_head.weight' },
  { decoder: 'language_model.model.', lmHead: 'language_model.lm_head.weight' },
  // bare decoder exports (AutoModel.save_pretrained)
  { decoder: '', lmHead: 'lm_head.weight' },
];

/** The prefix whose embed_tokens is present in `names`; "model." when unknown. */
export function detectPrefixes(names?: Set<string>): NamePrefixes {
  if (names) for (const p of PREFIX_CANDIDATES) if (names.has(`${p.decoder}embed_tokens.weight`)) return p;
  return PREFIX_CANDIDATES[0];
}

export function weightTable(spec: ModelSpec, names?: Set<string>): WeightRef[] {
  const { decoder, lmHead } = detectPrefixes(names);
  const { hidden: D, heads: H, kvHeads: K, headDim: E, intermediate: I, vocabSize: V } = spec;
  const refs: WeightRef[] = [];
  const add = (role: WeightRole, layer: number | null, name: string, shape: number[], prune: PruneAxis = null) =>
    refs.push({ role, layer, name, shape, prune });

  add('embed', null, `${decoder}embed_tokens.weight`, [V, D], 'vocabRows');
  for (let l = 0; l < spec.layers; l++) {
    const p = `${decoder}layers.${l}.`;
    add('attnNorm', l, `${p}input_layernorm.weight`, [D]);
    add('q', l, `${p}self_attn.q_proj.weight`, [H * E, D]);
    add('k', l, `${p}self_attn.k_proj.weight`, [K * E, D]);
    add('v', l, `${p}self_attn.v_proj.weight`, [K * E, D]);
    add('o', l, `${p}self_attn.o_proj.weight`, [D, H * E]);
    if (spec.qkvBias) {
      add('qBias', l, `${p}self_attn.q_proj.bias`, [H * E]);
      add('kBias', l, `${p}self_attn.k_proj.bias`, [K * E]);
      add('vBias', l, `${p}self_attn.v_proj.bias`, [K * E]);
    }
    if (spec.oBias) add('oBias', l, `${p}self_attn.o_proj.bias`, [D]);
    if (spec.qkNorm) {
      add('qNorm', l, `${p}self_attn.q_norm.weight`, [E]);
      add('kNorm', l, `${p}self_attn.k_norm.weight`, [E]);
    }
    if (spec.sandwichNorms) {
      // gemma2/3: post_attention_layernorm normalises the attention OUTPUT; the FFN has its own pre/post norms.
      add('postAttnNorm', l, `${p}post_attention_layernorm.weight`, [D]);
      add('preFfnNorm', l, `${p}pre_feedforward_layernorm.weight`, [D]);
      add('postFfnNorm', l, `${p}post_feedforward_layernorm.weight`, [D]);
    } else {
      // llama family: post_attention_layernorm is the norm applied BEFORE the FFN.
      add('preFfnNorm', l, `${p}post_attention_layernorm.weight`, [D]);
    }
    add('gate', l, `${p}mlp.gate_proj.weight`, [I, D], 'ffnRows');
    add('up', l, `${p}mlp.up_proj.weight`, [I, D], 'ffnRows');
    add('down', l, `${p}mlp.down_proj.weight`, [D, I], 'ffnCols');
    if (spec.mlpBias) {
      add('gateBias', l, `${p}mlp.gate_proj.bias`, [I], 'ffnVector');
      add('upBias', l, `${p}mlp.up_proj.bias`, [I], 'ffnVector');
      add('downBias', l, `${p}mlp.down_proj.bias`, [D]);
    }
  }
  add('finalNorm', null, `${decoder}norm.weight`, [D]);
  if (!spec.tiedEmbeddings) add('lmHead', null, lmHead, [V, D], 'vocabRows');
  return refs;
}

/** 1 + the largest N of "<decoder>layers.N." among `names` (0 when there is none). */
export function checkpointLayerCount(names: Iterable<string>, decoder: string): number {
  const prefix = `${decoder}layers.`;
  let count = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const n = parseInt(name.slice(prefix.length), 10);
    if (Number.isSafeInteger(n) && n >= count) count = n + 1;
  }
  return count;
}

/** Tensors of the checkpoint the weight table does not use. `dropped`: left out of the export (e.g. a
 *  tied model's stored lm_head, old rotary_emb.inv_freq buffers), named in a note. `carried`: the
 *  vision tower and projector of a multimodal checkpoint, which pruning does not touch and the export
 *  keeps unchanged (their shapes do not depend on V or I). */
export function unexpectedTensors(spec: ModelSpec, entries: Map<string, TensorEntry>): { dropped: string[]; carried: string[] } {
  const names = new Set(entries.keys());
  const { decoder, lmHead } = detectPrefixes(names);
  const expected = new Set(weightTable(spec, names).map((r) => r.name));
  const multimodal = decoder !== 'model.' && decoder !== '';
  const dropped: string[] = [];
  const carried: string[] = [];
  for (const name of names) {
    if (expected.has(name)) continue;
    if (multimodal && !name.startsWith(decoder) && name !== lmHead) carried.push(name);
    else dropped.push(name);
  }
  return { dropped: dropped.sort(), carried: carried.sort() };
}

/** Every tensor of the table present with its shape and a dtype the engine computes with, and as many
 *  decoder layers in the checkpoint as config.json says. Other extra tensors: see unexpectedTensors. */
export function checkWeights(spec: ModelSpec, entries: Map<string, TensorEntry>): WeightRef[] {
  const names = new Set(entries.keys());
  const { decoder } = detectPrefixes(names);
  const layers = checkpointLayerCount(names, decoder);
  if (layers !== spec.layers) {
    throw new ModelFileError(
      'config.json',
      `num_hidden_layers ${spec.layers} but the checkpoint holds ${layers} decoder layers (${decoder}layers.0-${layers - 1}.*)`,
      `Set num_hidden_layers to ${layers}, or use the config.json that came with these weights`,
    );
  }
  const refs = weightTable(spec, names);
  const files = [...new Set([...entries.values()].map((e) => e.file))].join(', ') || 'safetensors checkpoint';
  const missing = refs.filter((r) => !entries.has(r.name));
  if (missing.length > 0) {
    const first = missing[0];
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more, e.g. ${missing.slice(1, 4).map((r) => r.name).join(', ')})` : '';
    throw new ModelFileError(
      files,
      `tensor "${first.name}" (expected shape [${first.shape.join(', ')}]) is missing${more}`,
      'The weights do not match config.json (wrong model_type, tie_word_embeddings or layer count?): use the config.json that came with these weights',
    );
  }
  for (const ref of refs) {
    const entry = entries.get(ref.name)!;
    if (entry.shape.length !== ref.shape.length || entry.shape.some((n, i) => n !== ref.shape[i])) {
      throw new ModelFileError(
        entry.file,
        `tensor "${ref.name}" has shape [${entry.shape.join(', ')}] but config.json implies [${ref.shape.join(', ')}]`,
        'The weights do not match config.json: use the config.json that came with these weights',
      );
    }
    checkSupportedDtype(entry);
  }
  return refs;
}
