// Rewrites the few tokenizer.json settings that @huggingface/tokenizers 0.2
// reads differently from the Rust `tokenizers` library into equivalent ones it
// reads the same way. Found by reading both implementations:
//
// 1. Metaspace `split` is ignored by the JS library (it never splits), while
//    Rust splits the text at every '▁', each piece starting with its '▁'
//    (split=true is Rust's default). With tokens like '▁▁' (Llama-2) the
//    results differ on repeated spaces. Rewritten to Metaspace(split=false)
//    followed by Split(/▁[^▁]*/, Isolated), which cuts exactly there.
// 2. Metaspace without `prepend_scheme` (older files): Rust derives it from
//    `add_prefix_space` (true -> "always", false -> "never"); JS assumes "always".
//
// The fixture tokenizers (Metaspace split=false with prepend_scheme, or no
// pre-tokenizer, or ByteLevel) need neither; their ids match the reference as is.
import type { ComponentJson, TokenizerJson } from './tokenizer-json';

export function adaptForLibrary(json: TokenizerJson): { json: TokenizerJson; changes: string[] } {
  const changes: string[] = [];
  const pre = json.pre_tokenizer ? adaptPreTokenizer(json.pre_tokenizer, changes) : json.pre_tokenizer;
  return changes.length === 0 ? { json, changes } : { json: { ...json, pre_tokenizer: pre }, changes };
}

function adaptPreTokenizer(node: ComponentJson, changes: string[]): ComponentJson {
  if (node.type === 'Sequence' && Array.isArray(node.pretokenizers)) {
    return { ...node, pretokenizers: (node.pretokenizers as ComponentJson[]).map((n) => adaptPreTokenizer(n, changes)) };
  }
  if (node.type !== 'Metaspace') return node;
  let meta = node;
  if (meta.prepend_scheme === undefined) {
    meta = { ...meta, prepend_scheme: meta.add_prefix_space === false ? 'never' : 'always' };
    changes.push(`Metaspace prepend_scheme "${meta.prepend_scheme}" from add_prefix_space`);
  }
  if (meta.split === false) return meta;
  const replacement = typeof meta.replacement === 'string' ? meta.replacement : '▁';
  changes.push('Metaspace split=true as an explicit Split at each replacement char');
  const escaped = replacement.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    type: 'Sequence',
    pretokenizers: [
      { ...meta, split: false },
      { type: 'Split', pattern: { Regex: `${escaped}[^${escaped}]*` }, behavior: 'Isolated', invert: false },
    ],
  };
}
