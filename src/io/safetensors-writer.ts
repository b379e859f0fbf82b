// Streaming safetensors writer: header first, then tensors in offset order, each pulled chunk by
// chunk from its producer (peak memory = the largest chunk a producer yields). Shards and index
// follow Hugging Face's save_pretrained layout.

import { ModelFileError } from './errors';
import { tensorByteLength, type StDtype } from './safetensors';
import type { ByteSink, OutputFolder } from './source';
import { readAhead } from './read-ahead';

export interface TensorToWrite {
  name: string;
  dtype: StDtype;
  shape: number[];
  byteLength: number;
  /** called once, when the tensor's turn comes; its chunks, in order, must add up to exactly byteLength bytes. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** A producer of one chunk: the whole tensor (small tensors, tests). */
export function wholeTensor(bytes: () => Promise<Uint8Array>): () => AsyncIterable<Uint8Array> {
  return async function* () {
    yield await bytes();
  };
}

export interface WriteOptions {
  /** split into shards of at most this many data bytes (a larger tensor gets a shard of its own). Default 5 GB. */
  maxShardBytes?: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;
export const WRITER_INDEX_FILE = 'model.safetensors.index.json';

export async function writeSafetensors(
  out: OutputFolder,
  tensors: TensorToWrite[],
  opts: WriteOptions = {},
): Promise<{ files: string[] }> {
  checkTensors(tensors);
  const groups = splitIntoShards(tensors, opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
  const names = groups.length === 1 ? ['model.safetensors'] : groups.map((_, i) => shardName(i + 1, groups.length));
  const bytesTotal = tensors.reduce((n, t) => n + t.byteLength, 0);
  let bytesDone = 0;
  for (let s = 0; s < groups.length; s++) {
    const sink = coalescing(await out.create(names[s]));
    await sink.write(encodeHeader(groups[s]));
    // the next chunk is read and gathered while this one is written (one chunk ahead)
    for await (const chunk of readAhead(checkedChunks(groups[s], names[s]))) {
      await sink.write(chunk);
      bytesDone += chunk.length;
      opts.onProgress?.(bytesDone, bytesTotal);
    }
    await sink.close();
  }
  if (groups.length === 1) return { files: names };

  const weightMap: Record<string, string> = {};
  groups.forEach((g, s) => g.forEach((t) => (weightMap[t.name] = names[s])));
  const sorted = Object.fromEntries(Object.keys(weightMap).sort().map((k) => [k, weightMap[k]]));
  const index = JSON.stringify({ metadata: { total_size: bytesTotal }, weight_map: sorted }, null, 2) + '\n';
  const sink = await out.create(WRITER_INDEX_FILE);
  await sink.write(new TextEncoder().encode(index));
  await sink.close();
  return { files: [...names, WRITER_INDEX_FILE] };
}

/** Every tensor's chunks in order, each tensor checked to produce exactly its byteLength. */
async function* checkedChunks(tensors: readonly TensorToWrite[], file: string): AsyncGenerator<Uint8Array> {
  for (const t of tensors) {
    let produced = 0;
    const wrong = (n: number) => new ModelFileError(file, `tensor "${t.name}" produced ${n} bytes, expected ${t.byteLength}`, 'This is a bug in the exporter: report it');
    for await (const chunk of t.chunks()) {
      produced += chunk.length;
      if (produced > t.byteLength) throw wrong(produced);
      yield chunk;
    }
    if (produced !== t.byteLength) throw wrong(produced);
  }
}

/** Small chunks (norm vectors, biases, the header) gathered into writes of at least COALESCE_BYTES:
 *  one write per 1 KB tensor is a syscall in Node and a round trip to the browser's file writer. */
const COALESCE_BYTES = 4 * 2 ** 20;
function coalescing(sink: ByteSink): ByteSink {
  let parts: Uint8Array[] = [];
  let held = 0;
  const flush = async () => {
    if (held === 0) return;
    const whole = parts.length === 1 ? parts[0] : new Uint8Array(held);
    if (parts.length > 1) {
      let at = 0;
      for (const p of parts) (whole.set(p, at), (at += p.length));
    }
    parts = [];
    held = 0;
    await sink.write(whole);
  };
  return {
    async write(chunk) {
      if (chunk.length >= COALESCE_BYTES) {
        await flush();
        await sink.write(chunk);
        return;
      }
      parts.push(chunk.slice()); // a copy: the caller may reuse its buffer once write resolves
      held += chunk.length;
      if (held >= COALESCE_BYTES) await flush();
    },
    async close() {
      await flush();
      await sink.close();
    },
  };
}

export function shardName(k: number, n: number): string {
  const pad = (x: number) => String(x).padStart(5, '0');
  return `model-${pad(k)}-of-${pad(n)}.safetensors`;
}

/** u64 LE length + JSON header padded with spaces so the data starts 8-byte aligned. */
export function encodeHeader(tensors: readonly TensorToWrite[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] };
    offset += t.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

function checkTensors(tensors: readonly TensorToWrite[]): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new ModelFileError('model.safetensors', `tensor "${t.name}" is listed twice`, 'This is a bug in the exporter: report it');
    seen.add(t.name);
    const expected = tensorByteLength(t.dtype, t.shape);
    if (expected !== t.byteLength) {
      throw new ModelFileError(
        'model.safetensors',
        `tensor "${t.name}" [${t.shape.join(', ')}] ${t.dtype} needs ${expected} bytes but byteLength says ${t.byteLength}`,
        'This is a bug in the exporter: report it',
      );
    }
  }
}

/** Greedy in the given order, like transformers' shard splitting. */
function splitIntoShards(tensors: readonly TensorToWrite[], maxShardBytes: number): TensorToWrite[][] {
  const groups: TensorToWrite[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    const current = groups[groups.length - 1];
    if (current.length > 0 && size + t.byteLength > maxShardBytes) {
      groups.push([t]);
      size = t.byteLength;
    } else {
      current.push(t);
      size += t.byteLength;
    }
  }
  return groups;
}
