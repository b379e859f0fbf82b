// A checkpoint: one model.safetensors, or model.safetensors.index.json + the shards it lists.
// Headers are validated up front; tensor data is read one tensor at a time from file slices.

import { ModelFileError } from './errors';
import { readJsonFile } from './json-files';
import { brief } from './json-structure';
import { readSafetensorsHeader, type TensorEntry } from './safetensors';
import type { ModelFiles } from './source';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface Checkpoint {
  /** the model folder's label (for messages). */
  label: string;
  entries: Map<string, TensorEntry>;
  /** safetensors files in use, sorted by name (or the single file). */
  shardNames: string[];
  /** sum of tensor data bytes (what HF's index calls metadata.total_size). */
  totalBytes: number;
  /** the raw bytes of one tensor, as stored (little-endian, source dtype); `range` picks bytes
   *  [start, end) of the tensor's data (row ranges of tables too large to read at once); with
   *  `into`, possibly read into it (FileSource.read: use the returned bytes). */
  readTensorBytes(name: string, range?: { start: number; end: number }, into?: Uint8Array): Promise<Uint8Array>;
  /** every shard fills `into` (FileSource.readsInto): reused read buffers are worth keeping */
  readsInto: boolean;
}

export async function openCheckpoint(files: ModelFiles): Promise<Checkpoint> {
  const { shardNames, weightMap } = await listShards(files);
  const entries = new Map<string, TensorEntry>();
  for (const shard of shardNames) {
    const src = files.get(shard);
    if (!src) throw missingShard(shard);
    const { entries: shardEntries } = await readSafetensorsHeader(src);
    for (const e of shardEntries) {
      const other = entries.get(e.name);
      if (other) {
        throw new ModelFileError(
          shard,
          `tensor "${e.name}" is also stored in ${other.file}`,
          'The shards come from different exports: download the whole model folder again',
        );
      }
      entries.set(e.name, e);
    }
  }
  if (weightMap) checkIndex(weightMap, entries);
  let totalBytes = 0;
  for (const e of entries.values()) totalBytes += e.end - e.begin;
  return {
    label: files.label,
    entries,
    shardNames,
    totalBytes,
    readTensorBytes: (name, range, into) => readTensor(files, entries, name, range, into),
    readsInto: shardNames.every((n) => files.get(n)?.readsInto === true),
  };
}

/** The single file wins when both layouts are present (as in transformers). */
async function listShards(files: ModelFiles): Promise<{ shardNames: string[]; weightMap?: Record<string, string> }> {
  if (files.get(SINGLE_FILE)) return { shardNames: [SINGLE_FILE] };
  const index = await readJsonFile(files, INDEX_FILE, false);
  if (index === undefined) {
    const others = files.names().filter((n) => /\.(bin|pt|pth|gguf|safetensors)$/i.test(n));
    throw new ModelFileError(
      files.label,
      `no ${SINGLE_FILE} or ${INDEX_FILE} found` + (others.length ? ` (found ${others.slice(0, 5).join(', ')})` : ''),
      'Add the Hugging Face safetensors weights of the model to the folder (PyTorch .bin and GGUF files are not read; convert them to safetensors first)',
    );
  }
  const map = weightMapOf(index);
  const shards: string[] = [];
  for (const shard of Object.values(map)) if (!shards.includes(shard)) shards.push(shard);
  if (shards.length === 0) throw new ModelFileError(INDEX_FILE, 'weight_map is empty', 'Download the index file again');
  for (const shard of shards) if (!files.get(shard)) throw missingShard(shard);
  return { shardNames: shards.sort(), weightMap: map };
}

function weightMapOf(index: unknown): Record<string, string> {
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ModelFileError(INDEX_FILE, 'has no weight_map object', 'Download the index file again');
  }
  for (const [name, shard] of Object.entries(map)) {
    // a shard is a safetensors file of the folder: "model-00001-of-00002.safetensors", maybe in a subfolder
    if (typeof shard !== 'string' || !shard.endsWith('.safetensors') || shard.split('/').some((p) => p === '' || p === '.' || p === '..')) {
      throw new ModelFileError(INDEX_FILE, `weight_map["${name}"] is ${brief(shard)}, not the name of a safetensors file in the folder`, 'Download the index file again');
    }
  }
  return map as Record<string, string>;
}

/** Every weight_map entry must be in the header of the shard the index names. */
function checkIndex(map: Record<string, string>, entries: Map<string, TensorEntry>): void {
  for (const [name, shard] of Object.entries(map)) {
    const entry = entries.get(name);
    if (!entry || entry.file !== shard) {
      throw new ModelFileError(
        INDEX_FILE,
        `missing index entry: the index maps "${name}" to ${shard}, but ` +
          (entry ? `it is stored in ${entry.file}` : `no shard contains it`),
        'The index and the shards do not belong together: download the whole model folder again',
      );
    }
  }
}

async function readTensor(files: ModelFiles, entries: Map<string, TensorEntry>, name: string, range?: { start: number; end: number }, into?: Uint8Array): Promise<Uint8Array> {
  const entry = entries.get(name);
  if (!entry) {
    throw new ModelFileError(files.label, `the checkpoint has no tensor "${name}"`, 'Check that the weights match config.json');
  }
  const src = files.get(entry.file);
  if (!src) throw missingShard(entry.file);
  const size = entry.end - entry.begin;
  const start = range?.start ?? 0;
  const end = range?.end ?? size;
  if (!(start >= 0 && start <= end && end <= size)) throw new RangeError(`tensor "${name}": byte range [${start}, ${end}) outside its ${size} bytes`);
  const bytes = await src.read(entry.begin + start, entry.begin + end, into);
  if (bytes.length !== end - start) {
    throw new ModelFileError(
      entry.file,
      `reading tensor "${name}" returned ${bytes.length} of ${end - start} bytes`,
      'The file changed or is truncated: download the shard again',
    );
  }
  return bytes;
}

function missingShard(shard: string): ModelFileError {
  return new ModelFileError(shard, 'missing shard: listed in the index but not in the folder', `Add ${shard} to the model folder (download it again)`);
}
