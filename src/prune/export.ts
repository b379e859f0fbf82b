// Writes the pruned model folder: weights gathered exactly from the source bytes
// (dtype preserved, HF names unchanged), config / generation / tokenizer files renumbered.
import type { Checkpoint } from '../io/checkpoint';
import type { TensorEntry } from '../io/safetensors';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors-writer';
import type { ModelFiles, OutputFolder } from '../io/source';
import { bytesPerElement } from '../io/dtype-decode';
import type { ModelSpec } from '../model/spec-types';
import { weightTable, type WeightRef } from '../model/weights';
import { pruneTokenizerFiles } from '../tokenizer/prune-tokenizer';
import type { PruneSelection } from './pruned-model';
import type { ProgressFn } from '../io/progress';

/** Rows `idx` of a row-major [R, C] tensor of `elem`-byte elements. */
export function gatherRowBytes(src: Uint8Array, C: number, elem: number, idx: Uint32Array): Uint8Array {
  const rowBytes = C * elem;
  const out = new Uint8Array(idx.length * rowBytes);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * rowBytes, (idx[i] + 1) * rowBytes), i * rowBytes);
  return out;
}

/** Columns `idx` of a row-major [R, C] tensor. */
export function gatherColBytes(src: Uint8Array, R: number, C: number, elem: number, idx: Uint32Array): Uint8Array {
  const out = new Uint8Array(R * idx.length * elem);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < idx.length; i++) {
      const s = (r * C + idx[i]) * elem;
      out.set(src.subarray(s, s + elem), (r * idx.length + i) * elem);
    }
  }
  return out;
}

function prunedTensor(ckpt: Checkpoint, entry: TensorEntry, ref: WeightRef | undefined, sel: PruneSelection): TensorToWrite {
  const elem = bytesPerElement(entry.dtype);
  const shape = [...entry.shape];
  let transform: (b: Uint8Array) => Uint8Array = (b) => b;
  switch (ref?.prune ?? null) {
    case 'vocabRows':
      shape[0] = sel.keptVocab.length;
      transform = (b) => gatherRowBytes(b, entry.shape[1], elem, sel.keptVocab);
      break;
    case 'ffnRows': {
      const kept = sel.keptFfn[ref!.layer!];
      shape[0] = kept.length;
      transform = (b) => gatherRowBytes(b, entry.shape.slice(1).reduce((a, c) => a * c, 1), elem, kept);
      break;
    }
    case 'ffnVector': {
      const kept = sel.keptFfn[ref!.layer!];
      shape[0] = kept.length;
      transform = (b) => gatherRowBytes(b, 1, elem, kept);
      break;
    }
    case 'ffnCols': {
      const kept = sel.keptFfn[ref!.layer!];
      shape[1] = kept.length;
      transform = (b) => gatherColBytes(b, entry.shape[0], entry.shape[1], elem, kept);
      break;
    }
  }
  return {
    name: entry.name,
    dtype: entry.dtype,
    shape,
    byteLength: shape.reduce((a, c) => a * c, 1) * elem,
    bytes: async () => transform(await ckpt.readTensorBytes(entry.name)),
  };
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
  opts: { maxShardBytes?: number; onProgress?: ProgressFn } = {},
): Promise<{ files: { name: string; size: number }[]; notes: string[] }> {
  const { spec, ckpt } = input;
  const refs = new Map(weightTable(spec, new Set(ckpt.entries.keys())).map((r) => [r.name, r]));
  const tensors = [...ckpt.entries.values()].map((e) => prunedTensor(ckpt, e, refs.get(e.name), sel));
  // Tokenizer and config files first, in memory: a bad id fails here, before any weight is written.
  const tok = pruneTokenizerFiles(
    { tokenizerJson: input.tokenizerJson, tokenizerConfig: input.tokenizerConfig, generationConfig: input.generationConfig, config: input.config },
    sel.keptVocab,
  );
  const config = { ...(tok.config as Record<string, unknown>), intermediate_size: sel.keptFfn[0].length };
  const notes = [...tok.notes];

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
  const weightFiles = [...sizes].map(([name, size]) => ({ name, size }));

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

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');
}

async function writeFile(out: OutputFolder, name: string, bytes: Uint8Array): Promise<{ name: string; size: number }> {
  const sink = await out.create(name);
  await sink.write(bytes);
  await sink.close();
  return { name, size: bytes.byteLength };
}
