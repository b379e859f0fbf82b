// Uploads a checkpoint's weights to the GPU in their stored dtype, tensor by tensor, through the
// per-family weight table. Matrices (embedding, LM head, projections) stay F32/BF16/F16 as stored
// (16-bit ones packed two per u32, unpacked in the kernels); norms and biases are decoded to f32
// on the CPU (they are vectors). Vocabulary tables larger than one storage binding are split into
// row chunks, each read from its own byte range of the file (principle 4).
import type { Gpu } from '../gpu/context';
import { bufferBytes, type Tensor, type TensorDtype } from '../gpu/tensor';
import { GpuOutOfMemoryError } from '../gpu/errors';
import type { Checkpoint } from '../io/checkpoint';
import { decodeToF32 } from '../io/dtype-decode';
import { checkSupportedDtype, type TensorEntry } from '../io/safetensors';
import type { ProgressFn } from '../io/progress';
import { readAhead } from '../io/read-ahead';
import type { ModelSpec } from './spec-types';
import { weightTable, type WeightRef, type WeightRole } from './weights';

/** Rows [rowOffset, rowOffset + rows) of a [V, D] table. */
export interface VocabChunk {
  table: Tensor; // [rows, D]
  rowOffset: number;
  rows: number;
}

export type LayerRole = Exclude<WeightRole, 'embed' | 'lmHead' | 'finalNorm'>;
export type LayerWeights = Partial<Record<LayerRole, Tensor>>;

export interface ModelWeights {
  embed: VocabChunk[];
  /** the same chunks as `embed` when tied. */
  lmHead: VocabChunk[];
  finalNorm: Tensor;
  layers: LayerWeights[];
}

/** Roles read by the matmul / embedding kernels, kept in their stored dtype on the GPU. */
const MATRIX_ROLES: ReadonlySet<WeightRole> = new Set<WeightRole>(['embed', 'lmHead', 'q', 'k', 'v', 'o', 'gate', 'up', 'down']);

/** The dtype a table entry has on the GPU: matrices as stored, vectors (norms, biases) f32. */
export function gpuDtype(role: WeightRole, stored: TensorEntry['dtype']): TensorDtype {
  if (!MATRIX_ROLES.has(role)) return 'f32';
  return stored === 'BF16' ? 'bf16' : stored === 'F16' ? 'f16' : 'f32';
}

/** GPU bytes of one table entry (padded as the allocator pads). */
export function gpuTensorBytes(ref: Pick<WeightRef, 'role' | 'shape'>, stored: TensorEntry['dtype']): number {
  return bufferBytes(ref.shape, gpuDtype(ref.role, stored));
}

/** Largest row count of a [rows, D] table of `elemBytes` elements that fits one storage binding. */
export function maxRowsPerChunk(gpu: Gpu, D: number, elemBytes: number): number {
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  return Math.max(1, Math.floor(limit / (D * elemBytes)));
}

export function chunkRows(total: number, maxRows: number): { rowOffset: number; rows: number }[] {
  const out = [];
  for (let r = 0; r < total; r += maxRows) out.push({ rowOffset: r, rows: Math.min(maxRows, total - r) });
  return out;
}

/** One table entry's raw bytes (as stored) -> its GPU tensor (vectors decoded to f32 here). */
export function uploadTensor(gpu: Gpu, role: WeightRole, stored: TensorEntry['dtype'], shape: readonly number[], bytes: Uint8Array, label: string): Tensor {
  const dtype = gpuDtype(role, stored);
  if (dtype !== 'f32' || stored === 'F32') return gpu.weight(shape, dtype, label, bytes);
  return gpu.tensor([...shape], label, decodeToF32(bytes, stored));
}

/** Writes one table entry's raw bytes into an existing tensor of its GPU dtype (streamed slots). */
export function writeTensor(gpu: Gpu, t: Tensor, role: WeightRole, stored: TensorEntry['dtype'], bytes: Uint8Array): void {
  const dtype = gpuDtype(role, stored);
  if (dtype !== 'f32' || stored === 'F32') gpu.writeWeight(t, bytes);
  else gpu.upload(t, decodeToF32(bytes, stored));
}

/** Row chunks of a vocabulary table: by the binding limit, or `maxRows` (tests force the split path). */
export function vocabChunkPlan(gpu: Gpu, ref: WeightRef, stored: TensorEntry['dtype'], maxRows?: number): { rowOffset: number; rows: number }[] {
  const [V, D] = ref.shape;
  const elem = gpuDtype(ref.role, stored) === 'f32' ? 4 : 2;
  return chunkRows(V, Math.min(maxRows ?? Infinity, maxRowsPerChunk(gpu, D, elem)));
}

export interface UploadOptions {
  /** cap on rows per vocabulary chunk (tests force the split path on small models; streaming sizes its slots). */
  maxVocabRowsPerChunk?: number;
  /** bytes per piece of a large tensor (default UPLOAD_PIECE_BYTES; tests force the piece path on small models); a multiple of 4 */
  pieceBytes?: number;
}

/** Bytes of weight writes queued between two waits for the GPU during a resident load. */
const UPLOAD_FLUSH_BYTES = 256 * 2 ** 20;

/**
 * Bytes per read of a resident load: a tensor (or vocabulary chunk) larger than this goes up in
 * pieces, each read into one of a few reused buffers. A fresh buffer per 100 MB-1 GB tensor paid
 * the page faults of new memory on every byte (an 8B model loaded at 0.75 GB/s on the H200 machine).
 */
export const UPLOAD_PIECE_BYTES = 16 * 2 ** 20;

/** One upload: bytes [offset, offset + bytes.length) of a whole tensor or of one row chunk of a vocabulary table, as stored. */
interface UploadItem {
  ref: WeightRef;
  entry: TensorEntry;
  /** rows of a vocabulary table chunk; undefined for a whole tensor */
  chunk?: { rowOffset: number; rows: number };
  /** where these bytes go in the tensor (0: the first piece, which creates it) */
  offset: number;
  /** true: all of the tensor's bytes at once (small ones, and vectors decoded to f32 here) */
  whole: boolean;
  bytes: Uint8Array;
}

/** Copied as stored (bf16/f16/f32 matrices); false for vectors decoded to f32 on the way up. */
function storedAsIs(ref: WeightRef, entry: TensorEntry): boolean {
  return gpuDtype(ref.role, entry.dtype) !== 'f32' || entry.dtype === 'F32';
}

/** The bytes of every upload in table order; vocabulary tables larger than a binding come as row
 *  chunks, each read from its own byte range (a table above 2 GiB is never read at once), and
 *  anything above UPLOAD_PIECE_BYTES in pieces read into a ring of three buffers: one with the
 *  consumer, one being read ahead (readAhead), one spare. writeBuffer copies at the call, so a
 *  buffer is free again once the consumer asks for the next piece. */
async function* uploadItems(gpu: Gpu, ckpt: Checkpoint, refs: WeightRef[], opts: UploadOptions): AsyncGenerator<UploadItem> {
  const piece = opts.pieceBytes ?? UPLOAD_PIECE_BYTES;
  if (piece % 4 !== 0) throw new RangeError(`pieceBytes must be a multiple of 4 (got ${piece})`); // writeBuffer offsets
  const ring = ckpt.readsInto ? [0, 1, 2].map(() => new Uint8Array(piece)) : null; // a browser File ignores it
  let turn = 0;
  async function* pieces(ref: WeightRef, entry: TensorEntry, start: number, end: number, chunk?: UploadItem['chunk']): AsyncGenerator<UploadItem> {
    if (end - start <= piece || !storedAsIs(ref, entry)) {
      yield { ref, entry, chunk, offset: 0, whole: true, bytes: await ckpt.readTensorBytes(ref.name, { start, end }) };
      return;
    }
    for (let at = start; at < end; at += piece) {
      const into = ring?.[turn++ % ring.length];
      const bytes = await ckpt.readTensorBytes(ref.name, { start: at, end: Math.min(end, at + piece) }, into);
      yield { ref, entry, chunk, offset: at - start, whole: false, bytes };
    }
  }
  for (const ref of refs) {
    const entry = ckpt.entries.get(ref.name)!;
    checkSupportedDtype(entry);
    if (ref.role !== 'embed' && ref.role !== 'lmHead') {
      yield* pieces(ref, entry, 0, entry.end - entry.begin);
      continue;
    }
    const rowBytes = (entry.end - entry.begin) / ref.shape[0];
    for (const chunk of vocabChunkPlan(gpu, ref, entry.dtype, opts.maxVocabRowsPerChunk)) {
      yield* pieces(ref, entry, chunk.rowOffset * rowBytes, (chunk.rowOffset + chunk.rows) * rowBytes, chunk);
    }
  }
}

export async function uploadWeights(gpu: Gpu, spec: ModelSpec, ckpt: Checkpoint, onProgress?: ProgressFn, opts: UploadOptions = {}): Promise<ModelWeights> {
  const refs = weightTable(spec, new Set(ckpt.entries.keys()));
  // One out-of-memory scope over the whole upload: a model that does not fit fails with a
  // clear error, not an uncaptured one.
  gpu.device.pushErrorScope('out-of-memory');
  let weights: ModelWeights | undefined;
  try {
    weights = await uploadTensors(gpu, spec, ckpt, refs, onProgress, opts);
  } finally {
    const error = await gpu.device.popErrorScope();
    if (error) {
      const bytes = refs.reduce((a, r) => a + gpuTensorBytes(r, ckpt.entries.get(r.name)!.dtype), 0);
      if (weights) destroyWeights(gpu, weights);
      throw new GpuOutOfMemoryError('loading the model', bytes, `${error.message}; the weights take ${(bytes / 2 ** 30).toFixed(2)} GiB on the GPU: set a GPU memory budget below what the GPU has, so the model runs streamed layer by layer`);
    }
  }
  return weights;
}

async function uploadTensors(gpu: Gpu, spec: ModelSpec, ckpt: Checkpoint, refs: WeightRef[], onProgress: ProgressFn | undefined, opts: UploadOptions): Promise<ModelWeights> {
  const totalBytes = refs.reduce((s, r) => s + (ckpt.entries.get(r.name)!.end - ckpt.entries.get(r.name)!.begin), 0);
  let done = 0;
  const layers: LayerWeights[] = Array.from({ length: spec.layers }, () => ({}));
  const embed: VocabChunk[] = [];
  let lmHead: VocabChunk[] | undefined;
  let finalNorm: Tensor | undefined;
  const made = () => ({ embed, lmHead: lmHead ?? embed, finalNorm, layers }) as ModelWeights;
  // Backpressure: queued writes sit in the driver's staging memory until a submit completes; wait
  // for them every UPLOAD_FLUSH_BYTES so host memory stays bounded however large the model is.
  let queued = 0;
  const flushUploads = async (bytes: number) => {
    queued += bytes;
    if (queued < UPLOAD_FLUSH_BYTES) return;
    queued = 0;
    gpu.device.queue.submit([]);
    await gpu.device.queue.onSubmittedWorkDone();
  };
  try {
    // the file read of the next tensor overlaps this one's upload (a warm page cache reads faster than one thread copies)
    let current: Tensor | undefined; // the tensor the pieces of the current item go into
    for await (const { ref, entry, chunk, offset, whole, bytes } of readAhead(uploadItems(gpu, ckpt, refs, opts))) {
      if (offset === 0) {
        const shape = chunk ? [chunk.rows, ref.shape[1]] : ref.shape;
        const label = chunk ? `${ref.name}[${chunk.rowOffset}:]` : ref.name;
        current = whole ? uploadTensor(gpu, ref.role, entry.dtype, shape, bytes, label) : gpu.weight(shape, gpuDtype(ref.role, entry.dtype), label);
        if (chunk) {
          const c: VocabChunk = { rowOffset: chunk.rowOffset, rows: chunk.rows, table: current };
          if (ref.role === 'embed') embed.push(c);
          else (lmHead ??= []).push(c);
        } else if (ref.role === 'finalNorm') finalNorm = current;
        else layers[ref.layer!][ref.role as LayerRole] = current;
      }
      if (!whole) gpu.writeWeight(current!, bytes, offset);
      await flushUploads(bytes.byteLength);
      done += bytes.byteLength;
      onProgress?.({ phase: 'upload', done, total: totalBytes, unit: 'bytes', message: ref.name });
    }
    // One round trip at the end surfaces allocation/validation errors before use.
    await gpu.device.queue.onSubmittedWorkDone();
  } catch (e) {
    // a file that fails to read halfway (or a cancel) frees what was uploaded before it
    destroyWeights(gpu, made());
    throw e;
  }
  return made();
}

export function destroyWeights(gpu: Gpu, w: ModelWeights, keep?: Set<Tensor>): void {
  const all = new Set<Tensor>([...w.embed.map((c) => c.table), ...w.lmHead.map((c) => c.table)]);
  if (w.finalNorm) all.add(w.finalNorm); // absent in a load that failed before it
  for (const l of w.layers) for (const t of Object.values(l)) if (t) all.add(t);
  for (const t of all) if (!keep?.has(t)) gpu.destroy(t);
}
