// Writes the pruned model folder: weights gathered exactly from the source bytes (dtype preserved,
// HF names unchanged), read and written in bounded row ranges (a 70B model's embedding is larger
// than one 2 GiB read), then tokenizer files, copied extras, and config.json last.
import type { Checkpoint } from '../io/checkpoint';
import type { TensorEntry } from '../io/safetensors';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors-writer';
import type { ModelFiles, OutputFolder } from '../io/source';
import type { ModelSpec } from '../model/spec-types';
import { unexpectedTensors, weightTable, type WeightRef } from '../model/weights';
import { pruneTokenizerFiles } from '../tokenizer/prune-tokenizer';
import type { PruneSelection } from './pruned-model';
import type { ProgressFn } from '../io/progress';

type Json = Record<string, unknown>;

/** Largest read or write of tensor data (a single row larger than this is read whole): host memory
 *  stays about three chunks (the reused source window, the gathered rows, the one read ahead) plus the writer's buffers. */
export const EXPORT_CHUNK_BYTES = 64 * 2 ** 20;

/** Bytes [start, end) of a tensor, possibly read into `into` (FileSource.read). */
type ReadRange = (start: number, end: number, into?: Uint8Array) => Promise<Uint8Array>;

/**
 * One reused buffer for the source ranges that rows or columns are gathered from (they never reach
 * the writer, so one buffer serves a whole export: the read ahead of chunk i + 1 starts after chunk
 * i was gathered out of it). A fresh 64 MiB buffer per read paid page faults on every byte.
 */
export class GatherWindow {
  private buffer = new Uint8Array(0);

  /** At least n bytes (grown, never shrunk: a row larger than a chunk is read whole). */
  get(n: number): Uint8Array {
    if (this.buffer.length < n) this.buffer = new Uint8Array(n);
    return this.buffer;
  }
}

/** Rows `idx` (ascending) of a row-major [R, C] tensor of `elem`-byte elements, from the whole tensor. */
export function gatherRowBytes(src: Uint8Array, C: number, elem: number, idx: Uint32Array): Uint8Array {
  const rowBytes = C * elem;
  const out = new Uint8Array(idx.length * rowBytes);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * rowBytes, (idx[i] + 1) * rowBytes), i * rowBytes);
  return out;
}

/** Columns `idx` of a row-major [R, C] tensor of `elem`-byte elements: typed-array loops over
 *  whole elements (u8 / u16 / u32, u32 pairs for 8 bytes). */
export function gatherColBytes(src: Uint8Array, R: number, C: number, elem: number, idx: Uint32Array): Uint8Array {
  const k = idx.length;
  const words = elem === 8 ? 2 : 1; // an 8-byte element is two u32 words
  const width = elem === 8 ? 4 : elem;
  if (width !== 1 && width !== 2 && width !== 4) throw new RangeError(`internal: column gather of ${elem}-byte elements`);
  const aligned = src.byteOffset % width === 0 ? src : src.slice();
  const view = (buf: ArrayBufferLike, offset: number, length: number) =>
    width === 1 ? new Uint8Array(buf, offset, length) : width === 2 ? new Uint16Array(buf, offset, length) : new Uint32Array(buf, offset, length);
  const s = view(aligned.buffer, aligned.byteOffset, R * C * words);
  const out = view(new ArrayBuffer(R * k * elem), 0, R * k * words);
  let o = 0;
  if (words === 1) {
    for (let r = 0; r < R; r++) {
      const base = r * C;
      for (let i = 0; i < k; i++) out[o++] = s[base + idx[i]];
    }
  } else {
    for (let r = 0; r < R; r++) {
      const base = r * C;
      for (let i = 0; i < k; i++) {
        const at = (base + idx[i]) * 2;
        out[o++] = s[at];
        out[o++] = s[at + 1];
      }
    }
  }
  return new Uint8Array(out.buffer, 0, R * k * elem);
}

/** The whole tensor in byte ranges of at most chunkBytes. */
async function* byteChunks(read: ReadRange, size: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  for (let s = 0; s < size; s += chunkBytes) yield await read(s, Math.min(size, s + chunkBytes));
}

/** Rows `idx` (ascending) of a tensor of `rowBytes`-byte rows: each chunk reads one source range of at
 *  most chunkBytes (from its first kept row to its last) and copies the kept rows out of it. */
async function* rowChunks(read: ReadRange, rowBytes: number, idx: Uint32Array, chunkBytes: number, scratch: GatherWindow | null): AsyncGenerator<Uint8Array> {
  const span = Math.max(1, Math.floor(chunkBytes / rowBytes)); // source rows per read
  for (let i = 0; i < idx.length; ) {
    const first = idx[i];
    let j = i + 1;
    while (j < idx.length && idx[j] - first < span) j++;
    const last = idx[j - 1];
    const contiguous = j - i === last - first + 1;
    const bytes = (last + 1 - first) * rowBytes;
    // a contiguous run goes to the writer as read (its own buffer); other windows are gathered from
    const window = await read(first * rowBytes, (last + 1) * rowBytes, contiguous ? undefined : scratch?.get(bytes));
    if (contiguous) yield window;
    else {
      const out = new Uint8Array((j - i) * rowBytes);
      for (let k = i; k < j; k++) out.set(window.subarray((idx[k] - first) * rowBytes, (idx[k] - first + 1) * rowBytes), (k - i) * rowBytes);
      yield out;
    }
    i = j;
  }
}

/** Columns `idx` of a row-major [R, C] tensor, R in row ranges of at most chunkBytes. */
async function* columnChunks(read: ReadRange, R: number, C: number, elem: number, idx: Uint32Array, chunkBytes: number, scratch: GatherWindow | null): AsyncGenerator<Uint8Array> {
  const rowBytes = C * elem;
  const rows = Math.max(1, Math.floor(chunkBytes / rowBytes));
  for (let r = 0; r < R; r += rows) {
    const n = Math.min(rows, R - r);
    yield gatherColBytes(await read(r * rowBytes, (r + n) * rowBytes, scratch?.get(n * rowBytes)), n, C, elem, idx);
  }
}

function prunedTensor(ckpt: Checkpoint, entry: TensorEntry, ref: WeightRef | undefined, sel: PruneSelection, chunkBytes: number, scratch: GatherWindow | null): TensorToWrite {
  const size = entry.end - entry.begin;
  const read: ReadRange = (start, end, into) => ckpt.readTensorBytes(entry.name, { start, end }, into);
  const shape = [...entry.shape];
  const rowBytes = size / Math.max(1, entry.shape[0]);
  const rows = (kept: Uint32Array) => {
    shape[0] = kept.length;
    return () => rowChunks(read, rowBytes, kept, chunkBytes, scratch);
  };
  let chunks: () => AsyncIterable<Uint8Array> = () => byteChunks(read, size, chunkBytes);
  switch (ref?.prune ?? null) {
    case 'vocabRows':
      chunks = rows(sel.keptVocab);
      break;
    case 'ffnRows':
    case 'ffnVector':
      chunks = rows(sel.keptFfn[ref!.layer!]);
      break;
    case 'ffnCols': {
      const kept = sel.keptFfn[ref!.layer!];
      const [R, C] = entry.shape;
      shape[1] = kept.length;
      chunks = () => columnChunks(read, R, C, size / (R * C), kept, chunkBytes, scratch);
      break;
    }
  }
  const byteLength = (size / Math.max(1, entry.shape.reduce((a, c) => a * c, 1))) * shape.reduce((a, c) => a * c, 1);
  return { name: entry.name, dtype: entry.dtype, shape, byteLength, chunks };
}

export interface ExportFilesInput {
  spec: ModelSpec;
  ckpt: Checkpoint;
  files: ModelFiles;
  config: Record<string, unknown>;
  generationConfig?: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig?: Record<string, unknown>;
}

/** Small files copied unchanged when present (they hold strings, not ids). */
const COPIED_AS_IS = ['special_tokens_map.json', 'chat_template.jinja', 'chat_template.json', 'README.md', 'LICENSE'];

export async function exportPrunedFolder(
  input: ExportFilesInput,
  sel: PruneSelection,
  out: OutputFolder,
  opts: { maxShardBytes?: number; chunkBytes?: number; onProgress?: ProgressFn } = {},
): Promise<{ files: { name: string; size: number }[]; notes: string[] }> {
  const { spec, ckpt } = input;
  const chunkBytes = opts.chunkBytes ?? EXPORT_CHUNK_BYTES;
  // Tokenizer and config files first, in memory: a bad id fails here, before any weight is written.
  const tok = pruneTokenizerFiles(
    { tokenizerJson: input.tokenizerJson, tokenizerConfig: input.tokenizerConfig, generationConfig: input.generationConfig, config: input.config },
    sel.keptVocab,
  );
  const config = prunedConfig(tok.config as Json, input.config, sel.keptVocab.length, sel.keptFfn[0].length);
  const notes = [...tok.notes];

  const weights = await exportPrunedWeights(spec, ckpt, sel, out, { ...opts, chunkBytes });
  notes.push(...weights.notes);
  const weightFiles = weights.files;

  // config.json last: a folder cut short (crash, closed tab) has no config and loads nowhere.
  const written: { name: string; size: number }[] = [];
  const jsonFiles: [string, unknown][] = [['tokenizer.json', tok.tokenizerJson]];
  if (tok.generationConfig) jsonFiles.push(['generation_config.json', tok.generationConfig]);
  if (tok.tokenizerConfig) jsonFiles.push(['tokenizer_config.json', tok.tokenizerConfig]);
  for (const [name, value] of jsonFiles) written.push(await writeFile(out, name, jsonBytes(value)));
  for (const name of COPIED_AS_IS) {
    const src = input.files.get(name);
    if (src) written.push(await writeFile(out, name, await src.read(0, src.size)));
    const skipped = input.files.skipped?.find((s) => s.name === name);
    if (skipped) notes.push(`${name} was not copied: it is ${skipped.reason}.`);
  }
  written.unshift(await writeFile(out, 'config.json', jsonBytes(config)));
  if (input.files.get('tokenizer.model')) {
    notes.push('tokenizer.model (SentencePiece) was not copied: it would still hold the removed tokens; tokenizer.json is the pruned tokenizer.');
  }
  return { files: [...weightFiles, ...written], notes };
}

/** The pruned safetensors (shards and index when over maxShardBytes) into `out`: the weights part of
 *  exportPrunedFolder, on its own for the export benchmark. Returns the files written and why
 *  tensors outside the weight table were left out or kept. */
export async function exportPrunedWeights(
  spec: ModelSpec,
  ckpt: Checkpoint,
  sel: PruneSelection,
  out: OutputFolder,
  opts: { maxShardBytes?: number; chunkBytes?: number; onProgress?: ProgressFn } = {},
): Promise<{ files: { name: string; size: number }[]; notes: string[] }> {
  const chunkBytes = opts.chunkBytes ?? EXPORT_CHUNK_BYTES;
  const refs = new Map(weightTable(spec, new Set(ckpt.entries.keys())).map((r) => [r.name, r]));
  const { dropped, carried } = unexpectedTensors(spec, ckpt.entries);
  const left = new Set(dropped);
  const scratch = ckpt.readsInto ? new GatherWindow() : null; // one for all: the writer pulls one tensor's chunks at a time
  const tensors = [...ckpt.entries.values()].filter((e) => !left.has(e.name)).map((e) => prunedTensor(ckpt, e, refs.get(e.name), sel, chunkBytes, scratch));

  const sizes = new Map<string, number>();
  const counting: OutputFolder = {
    async create(name) {
      const sink = await out.create(name);
      sizes.set(name, 0);
      return { write: async (c) => { sizes.set(name, sizes.get(name)! + c.byteLength); await sink.write(c); }, close: () => sink.close() };
    },
  };
  await writeSafetensors(counting, tensors, {
    maxShardBytes: opts.maxShardBytes,
    onProgress: (done, total) => opts.onProgress?.({ phase: 'export', done, total, unit: 'bytes' }),
  });
  return { files: [...sizes].map(([name, size]) => ({ name, size })), notes: unexpectedNotes(spec, dropped, carried) };
}

/**
 * The new sizes where transformers reads them: a Gemma 3 multimodal config keeps the language
 * model's sizes under text_config (the top level gets them only where it had them); elsewhere at
 * the top level.
 */
export function prunedConfig(renumbered: Json, original: Json, vocabSize: number, intermediateSize: number): Json {
  const out: Json = { ...renumbered };
  const text = original.model_type === 'gemma3' ? original.text_config : undefined;
  if (typeof text !== 'object' || text === null || Array.isArray(text)) return { ...out, vocab_size: vocabSize, intermediate_size: intermediateSize };
  out.text_config = { ...(out.text_config as Json), vocab_size: vocabSize, intermediate_size: intermediateSize };
  if (Object.hasOwn(original, 'vocab_size')) out.vocab_size = vocabSize;
  else delete out.vocab_size;
  if (Object.hasOwn(original, 'intermediate_size')) out.intermediate_size = intermediateSize;
  return out;
}

/** Why tensors outside the weight table are left out or kept. */
function unexpectedNotes(spec: ModelSpec, dropped: string[], carried: string[]): string[] {
  const notes: string[] = [];
  const isTiedHead = (n: string) => spec.tiedEmbeddings && /(^|\.)lm_head\.weight$/.test(n);
  for (const n of dropped.filter(isTiedHead)) {
    notes.push(`${n} left out: the model ties its LM head to the embedding (tie_word_embeddings), so transformers ignores a stored copy and save_pretrained does not write one.`);
  }
  const others = dropped.filter((n) => !isTiedHead(n));
  if (others.length) {
    notes.push(`left out ${others.length} tensor(s) that config.json does not use (transformers would ignore them too): ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''}`);
  }
  if (carried.length) notes.push(`kept unchanged: ${carried.length} tensor(s) outside the language model (vision tower, projector); pruning does not touch them.`);
  return notes;
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');
}

async function writeFile(out: OutputFolder, name: string, bytes: Uint8Array): Promise<{ name: string; size: number }> {
  const sink = await out.create(name);
  await sink.write(bytes);
  await sink.close();
  return { name, size: bytes.byteLength };
}
