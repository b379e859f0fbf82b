// Seeded generators of damaged model folders, the way bad downloads and hand edits break them:
// byte flips, truncations, header lengths, offsets and shapes, JSON type swaps, deep nesting,
// range edits of config fields, tokenizer edits, missing files and index edits. Each case is a
// whole folder (name -> bytes) derived from a good base folder, with a one-line description.
import { Rng } from './rng';

export type Folder = Record<string, Uint8Array>;
export interface FuzzCase {
  /** e.g. "st-entry#17" */
  id: string;
  kind: string;
  /** what was changed, for the failure report */
  what: string;
  files: Folder;
}

type Json = unknown;
const enc = new TextEncoder();
const dec = new TextDecoder();

const jsonOf = (bytes: Uint8Array): Json => JSON.parse(dec.decode(bytes));
const bytesOf = (v: Json): Uint8Array => enc.encode(JSON.stringify(v, null, 1));

/** Values of every JSON type, edges included, to swap in. */
function randomValue(rng: Rng): Json {
  return rng.pick<() => Json>([
    () => null,
    () => true,
    () => rng.pick([0, -1, 1, 0.5, 1.5, 2, 7, 600, 1e9, 2 ** 31, 2 ** 32, 2 ** 32 - 2, 2 ** 53, -1e300, 1e300, 1e-30]),
    () => rng.pick(['', 'x', '7', 'null', 'llama', '__proto__', 'constructor', '\u0000', 'é'.repeat(50)]),
    () => [],
    () => [rng.pick([null, 1, 'a'])],
    () => ({}),
    () => ({ type: 'x' }),
  ])();
}

/** JSON text of [[[...]]] or {"a":{"a":...}} around `inner`, `depth` levels deep (built as text:
 *  JSON.stringify of a value this deep overflows the stack). */
function nestedText(depth: number, inner: string, objects: boolean): string {
  return objects ? '{"a":'.repeat(depth) + inner + '}'.repeat(depth) : '['.repeat(depth) + inner + ']'.repeat(depth);
}

const RAW = '\u0000raw\u0000';
/** JSON text of `root` with `raw` text placed where the value RAW sits. */
function stringifyWithRaw(root: Json, raw: string): string {
  return JSON.stringify(root).replace(JSON.stringify(RAW), () => raw);
}

/** A random path into a JSON value (biased to shallow paths), as keys. */
function randomPath(rng: Rng, root: Json): (string | number)[] {
  const path: (string | number)[] = [];
  let node = root;
  while (node !== null && typeof node === 'object' && !(path.length > 0 && rng.chance(0.35))) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node as object);
    if (keys.length === 0) break;
    const k = rng.pick(keys);
    path.push(k);
    node = (node as Record<string | number, Json>)[k];
  }
  return path;
}

function setPath(root: Json, path: (string | number)[], value: Json | typeof DELETE): Json {
  if (path.length === 0) return value === DELETE ? undefined : value;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}
const DELETE = Symbol('delete');

// ---- safetensors ---------------------------------------------------------------------------------

interface Parsed {
  headerLen: number;
  header: Record<string, Record<string, Json>>;
  data: Uint8Array;
}

function parseSt(file: Uint8Array): Parsed {
  const headerLen = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { headerLen, header: JSON.parse(dec.decode(file.subarray(8, 8 + headerLen))), data: file.subarray(8 + headerLen) };
}

/** Re-encodes a header (keeping the old length with space padding when it fits). */
function buildSt(header: Json, data: Uint8Array, keepLen?: number, text?: string): Uint8Array {
  const json = enc.encode(text ?? JSON.stringify(header));
  const len = keepLen !== undefined && json.length <= keepLen ? keepLen : Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + len + data.length).fill(0x20, 8, 8 + len);
  new DataView(out.buffer).setBigUint64(0, BigInt(len), true);
  out.set(json, 8);
  out.set(data, 8 + len);
  return out;
}

const stFiles = (f: Folder) => Object.keys(f).filter((n) => n.endsWith('.safetensors'));
const jsonFiles = (f: Folder) => Object.keys(f).filter((n) => n.endsWith('.json'));

type Mutator = (rng: Rng, base: Folder) => { what: string; files: Folder };

const MUTATORS: Record<string, Mutator> = {
  'st-flip': (rng, base) => {
    const name = rng.pick(stFiles(base));
    const file = base[name].slice();
    const headerEnd = 8 + parseSt(file).headerLen;
    const n = rng.int(1, 8);
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = rng.chance(0.8) ? rng.int(0, headerEnd + 16) : rng.int(0, file.length - 1);
      file[p] ^= 1 << rng.int(0, 7);
      at.push(p);
    }
    return { what: `${name}: bit flips at ${at.join(', ')}`, files: { ...base, [name]: file } };
  },
  'st-truncate': (rng, base) => {
    const name = rng.pick(stFiles(base));
    const file = base[name];
    const headerEnd = 8 + parseSt(file).headerLen;
    const cut = rng.pick([() => rng.int(0, 16), () => rng.int(8, headerEnd), () => rng.int(headerEnd, file.length - 1), () => file.length - rng.int(1, 8)])();
    return { what: `${name}: truncated to ${cut} of ${file.length} bytes`, files: { ...base, [name]: file.slice(0, cut) } };
  },
  'st-header-length': (rng, base) => {
    const name = rng.pick(stFiles(base));
    const file = base[name].slice();
    const { headerLen } = parseSt(file);
    const len = rng.pick<() => bigint>([
      () => BigInt(headerLen + rng.int(-8, 8)),
      () => BigInt(rng.int(0, 2 ** 31)),
      () => 2n ** 64n - 1n,
      () => 2n ** 53n,
      () => BigInt(file.length - 8),
      () => 100_000_001n,
    ])();
    new DataView(file.buffer).setBigUint64(0, BigInt.asUintN(64, len), true);
    return { what: `${name}: header length ${headerLen} -> ${len}`, files: { ...base, [name]: file } };
  },
  'st-entry': (rng, base) => {
    const name = rng.pick(stFiles(base));
    const { headerLen, header, data } = parseSt(base[name]);
    const tensors = Object.keys(header).filter((k) => k !== '__metadata__');
    const t = rng.pick(tensors);
    const e = { ...header[t] };
    const shape = e.shape as number[];
    const offsets = e.data_offsets as number[];
    const field = rng.pick(['dtype', 'shape', 'offsets', 'offsets', 'shape', 'entry']);
    let what = '';
    if (field === 'dtype') {
      e.dtype = rng.pick(['F16', 'BF16', 'F64', 'I8', 'U8', 'F4', 'Q4_K', 'f32', '', null, 5]);
      what = `dtype -> ${JSON.stringify(e.dtype)}`;
    } else if (field === 'shape') {
      const s = [...shape];
      const op = rng.int(0, 5);
      if (op === 0 && s.length) s[rng.int(0, s.length - 1)] += rng.pick([-1, 1, 2 ** 31, -1000]);
      else if (op === 1) s.push(rng.pick([1, 2, 0]));
      else if (op === 2) s.pop();
      else if (op === 3) s.reverse();
      else if (op === 4) e.shape = rng.pick<Json>([[1.5], ['64'], null, {}, RAW]);
      else s[0] = 0;
      if (op <= 3 || op === 5) e.shape = s;
      what = `shape ${JSON.stringify(shape)} -> ${JSON.stringify(e.shape).slice(0, 40)}`;
    } else if (field === 'offsets') {
      const o = [...offsets];
      const op = rng.int(0, 5);
      if (op === 0) o[rng.int(0, 1)] += rng.pick([-4, 4, -1, 1]);
      else if (op === 1) o.reverse();
      else if (op === 2) o[1] = data.length + rng.int(1, 100);
      else if (op === 3) (o[0] -= 8, o[1] -= 8);
      else if (op === 4) o[0] = -o[0] - 1;
      else o[1] = 2 ** 53 + 2;
      e.data_offsets = o;
      what = `data_offsets ${JSON.stringify(offsets)} -> ${JSON.stringify(o)}`;
    } else {
      const v = randomValue(rng);
      header[t] = v as Record<string, Json>;
      return { what: `${name}: entry "${t}" -> ${JSON.stringify(v)?.slice(0, 40)}`, files: { ...base, [name]: buildSt(header, data, headerLen) } };
    }
    header[t] = e;
    const raw = e.shape === RAW ? nestedText(rng.pick([20, 10_000]), '1', false) : '';
    return { what: `${name}: "${t}" ${what}`, files: { ...base, [name]: buildSt(null, data, headerLen, stringifyWithRaw(header, raw)) } };
  },
  'st-dup-key': (rng, base) => {
    const name = rng.pick(stFiles(base));
    const { headerLen, header, data } = parseSt(base[name]);
    const tensors = Object.keys(header).filter((k) => k !== '__metadata__');
    const t = rng.pick(tensors);
    const text = JSON.stringify(header);
    const dup = `,${JSON.stringify(t)}:${JSON.stringify(header[t])}}`;
    return { what: `${name}: "${t}" listed twice`, files: { ...base, [name]: buildSt(null, data, headerLen, text.slice(0, -1) + dup) } };
  },
  'json-swap': (rng, base) => {
    const name = rng.pick(jsonFiles(base));
    const root = jsonOf(base[name]);
    const path = randomPath(rng, root);
    const v = randomValue(rng);
    return { what: `${name}: ${path.join('.') || '(root)'} -> ${JSON.stringify(v)?.slice(0, 40)}`, files: { ...base, [name]: bytesOf(setPath(root, path, v)) } };
  },
  'json-delete': (rng, base) => {
    const name = rng.pick(jsonFiles(base));
    const root = jsonOf(base[name]);
    const path = randomPath(rng, root);
    if (path.length === 0) return { what: `${name}: emptied`, files: { ...base, [name]: new Uint8Array(0) } };
    return { what: `${name}: ${path.join('.')} deleted`, files: { ...base, [name]: bytesOf(setPath(root, path, DELETE)) } };
  },
  'json-deep': (rng, base) => {
    const name = rng.pick(jsonFiles(base));
    const root = jsonOf(base[name]);
    const path = randomPath(rng, root);
    const depth = rng.pick([30, 70, 1000, 10_000]);
    const deep = nestedText(depth, '1', rng.chance(0.5));
    return { what: `${name}: ${path.join('.') || '(root)'} nested ${depth} deep`, files: { ...base, [name]: enc.encode(stringifyWithRaw(setPath(root, path, RAW), deep)) } };
  },
  'json-bytes': (rng, base) => {
    const name = rng.pick(jsonFiles(base));
    const file = base[name];
    const op = rng.int(0, 4);
    let out: Uint8Array;
    let what: string;
    if (op === 0) {
      out = file.slice(0, rng.int(0, file.length - 1));
      what = `truncated to ${out.length} bytes`;
    } else if (op === 1) {
      out = file.slice();
      const p = rng.int(0, out.length - 1);
      out[p] = rng.pick([0xff, 0xc3, 0x80, 0xe9, 0x00]);
      what = `byte ${p} -> 0x${out[p].toString(16)} (invalid UTF-8 or syntax)`;
    } else if (op === 2) {
      out = Uint8Array.from([0xef, 0xbb, 0xbf, ...file]);
      what = 'UTF-8 byte order mark in front';
    } else if (op === 3) {
      out = enc.encode(rng.pick(['null', '[]', '5', '"x"', '{}', '']));
      what = `replaced by ${dec.decode(out) || '(empty)'}`;
    } else {
      const text = dec.decode(file);
      const at = text.indexOf('{') + 1;
      const dupKey = text.match(/"([^"]+)":/)?.[1] ?? 'a';
      out = enc.encode(`${text.slice(0, at)}"${dupKey}": 1, ${text.slice(at)}`);
      what = `key "${dupKey}" given twice`;
    }
    return { what: `${name}: ${what}`, files: { ...base, [name]: out } };
  },
  'config-range': (rng, base) => {
    const config = jsonOf(base['config.json']) as Record<string, Json>;
    const field = rng.pick([
      'num_hidden_layers', 'hidden_size', 'intermediate_size', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'vocab_size',
      'max_position_embeddings', 'rms_norm_eps', 'rope_theta', 'partial_rotary_factor', 'bos_token_id', 'eos_token_id', 'pad_token_id',
      'rope_scaling', 'tie_word_embeddings', 'model_type', 'hidden_act', 'attention_bias', 'mlp_bias', 'layer_types',
    ]);
    const current = config[field];
    const edges: Json[] = [0, -1, 1, 2, 3, 0.5, 1.5, 1e9, 2 ** 31, 2 ** 32, 1e-30, 1e30, null, '8', true];
    const special: Record<string, Json[]> = {
      rope_scaling: [{ rope_type: 'linear', factor: 0 }, { rope_type: 'linear', factor: -1 }, { rope_type: 'linear', factor: 4 }, { rope_type: 'yarn', factor: 2 }, { type: 'dynamic', factor: 2 }, { rope_type: 'llama3', factor: 8 }, { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 1, original_max_position_embeddings: 8192 }],
      model_type: ['constructor', '__proto__', 'toString', 'gpt2', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3', 'gemma3_text', 'LLAMA'],
      hidden_act: ['relu', 'gelu', 'gelu_pytorch_tanh', 'swish', 5],
      eos_token_id: [[2, 600], [2, -1], [], [2, 2], 511, 512, '2'],
      layer_types: [['full_attention'], Array(5).fill('sliding_attention'), 'full'],
    };
    const v = rng.pick([...(special[field] ?? []), ...edges, typeof current === 'number' ? current + rng.pick([-1, 1]) : 0]);
    return { what: `config.json: ${field} ${JSON.stringify(current) ?? '(absent)'} -> ${JSON.stringify(v)}`, files: { ...base, 'config.json': bytesOf({ ...config, [field]: v }) } };
  },
  'tokenizer-edit': (rng, base) => {
    const tok = jsonOf(base['tokenizer.json']) as Record<string, any>;
    const vocab = tok.model.vocab as Record<string, number>;
    const tokens = Object.keys(vocab);
    const op = rng.int(0, 9);
    let what: string;
    if (op === 0) {
      const t = rng.pick(tokens);
      vocab[t] = rng.pick<any>([-1, 1.5, '7', null, 511, 512, 600, 1e9, 2 ** 31, 2 ** 32 - 2, vocab[rng.pick(tokens)]]);
      what = `vocab["${t}"] -> ${JSON.stringify(vocab[t])}`;
    } else if (op === 1) {
      const t = rng.pick(tokens);
      delete vocab[t];
      what = `vocab entry "${t}" removed`;
    } else if (op === 2) {
      tok.model.merges = rng.pick<any>([undefined, null, 5, 'a b', ['nospace'], [['a']], [['zzz', 'q']], [[1, 2]], tok.model.merges.slice(0, 3)]);
      what = `merges -> ${JSON.stringify(tok.model.merges)?.slice(0, 40)}`;
    } else if (op === 3) {
      tok.added_tokens = rng.pick<any>([null, {}, [null], [{ id: 0, content: 5 }], [{ id: -1, content: '<x>' }], [{ id: 600, content: '<x>', special: true }], [{ id: 1, content: '<s>' }, { id: 1, content: '<t>' }], []]);
      what = `added_tokens -> ${JSON.stringify(tok.added_tokens)?.slice(0, 40)}`;
    } else if (op === 4) {
      const key = rng.pick(['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']);
      tok[key] = rng.pick<any>([
        null, 'x', 5, [], { type: 'Nope' }, { type: 'Sequence', normalizers: 'x' }, { type: 'Lowercase' },
        { type: 'Split', pattern: { Regex: rng.pick(['(', '[a-', '\\', '(?<x', 'a{2,1}']) }, behavior: 'Isolated', invert: false },
        { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        { type: 'TemplateProcessing', single: [], pair: [], special_tokens: { x: { id: 'x', ids: [rng.pick([1, 600, -1, 1.5])], tokens: ['x'] } } },
      ]);
      what = `${key} -> ${JSON.stringify(tok[key])?.slice(0, 50)}`;
    } else if (op === 5) {
      tok.model.vocab = rng.pick<any>([null, {}, [], 5, [['a', 0]]]);
      what = `model.vocab -> ${JSON.stringify(tok.model.vocab)}`;
    } else if (op === 6) {
      tok.model.type = rng.pick<any>(['Unigram', 'WordPiece', 'WordLevel', 'Magic', null, 5]);
      what = `model.type -> ${JSON.stringify(tok.model.type)}`;
    } else if (op === 7) {
      tok.model = rng.pick<any>([null, 'BPE', [], {}]);
      what = `model -> ${JSON.stringify(tok.model)}`;
    } else if (op === 8) {
      tok.model.unk_token = rng.pick<any>([5, null, '<nope>', '']);
      what = `model.unk_token -> ${JSON.stringify(tok.model.unk_token)}`;
    } else {
      const depth = rng.pick([5, 40, 10_000]);
      tok.normalizer = RAW;
      const deep = '{"type":"Sequence","normalizers":['.repeat(depth) + '{"type":"Lowercase"}' + ']}'.repeat(depth);
      return { what: `tokenizer.json: normalizer Sequence nested ${depth} deep`, files: { ...base, 'tokenizer.json': enc.encode(stringifyWithRaw(tok, deep)) } };
    }
    return { what: `tokenizer.json: ${what}`, files: { ...base, 'tokenizer.json': enc.encode(JSON.stringify(tok)) } };
  },
  'tokenizer-config-edit': (rng, base) => {
    const name = 'tokenizer_config.json';
    const cfg = base[name] ? (jsonOf(base[name]) as Record<string, Json>) : {};
    const field = rng.pick(['additional_special_tokens', 'bos_token', 'eos_token', 'unk_token', 'pad_token', 'added_tokens_decoder', 'clean_up_tokenization_spaces', 'model_max_length']);
    const v = rng.pick<Json>(['x', ['x'], [5], [null], 5, null, {}, { content: '<s>' }, { '0': { content: '<unk>' } }, { x: {} }, { '600': { content: '<x>' } }, true, '<s>']);
    return { what: `${name}: ${field} -> ${JSON.stringify(v)}`, files: { ...base, [name]: bytesOf({ ...cfg, [field]: v }) } };
  },
  'file-missing': (rng, base) => {
    const name = rng.pick(Object.keys(base));
    const files = { ...base };
    delete files[name];
    return { what: `${name} removed`, files };
  },
};

export const KINDS = Object.keys(MUTATORS);

/** `count` cases from `seed`, kinds in turn (so every kind is covered), each from its own stream. */
export function fuzzCases(bases: Folder[], count: number, seed: number, kinds: readonly string[] = KINDS): FuzzCase[] {
  const rng = new Rng(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length];
    const r = rng.fork();
    const base = r.pick(bases);
    const { what, files } = MUTATORS[kind](r, base);
    cases.push({ id: `${kind}#${i}`, kind, what, files });
  }
  return cases;
}
