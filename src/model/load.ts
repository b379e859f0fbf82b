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
import { StagingRing } from '../gpu/staging-ring';
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
 * Bytes per piece of a resident load: a tensor (or vocabulary chunk) larger than this goes up in
 * pieces. Where the files read into given memory (Node), each piece is read straight into one of
 * four mapped staging buffers (StagingRing); elsewhere (a browser File) it is read and handed to
 * writeBuffer. A fresh buffer per 100 MB-1 GB tensor, then writeBuffer's own staging copy, loaded
 * an 8B model at 0.75 GB/s on the H200 machine.
 */
export const UPLOAD_PIECE_BYTES = 16 * 2 ** 20;

/** One tensor of the upload, or one row chunk of a vocabulary table: bytes [start, end) of its entry, as stored. */
interface UploadTarget {
  ref: WeightRef;
  entry: TensorEntry;
  /** rows of a vocabulary table chunk; undefined for a whole tensor */
  chunk?: { rowOffset: number; rows: number };
  start: number;
  end: number;
}

/** Copied as stored (bf16/f16/f32 matrices); false for vectors decoded to f32 on the way up. */
function storedAsIs(ref: WeightRef, entry: TensorEntry): boolean {
  return gpuDtype(ref.role, entry.dtype) !== 'f32' || entry.dtype === 'F32';
}

/** Every upload in table order; vocabulary tables larger than a binding come as row chunks, each
 *  read from its own byte range (a table above 2 GiB is never read at once). */
function* uploadTargets(gpu: Gpu, ckpt: Checkpoint, refs: WeightRef[], opts: UploadOptions): Generator<UploadTarget> {
  for (const ref of refs) {
    const entry = ckpt.entries.get(ref.name)!;
    checkSupportedDtype(entry);
    if (ref.role !== 'embed' && ref.role !== 'lmHead') {
      yield { ref, entry, start: 0, end: entry.end - entry.begin };
      continue;
    }
    const rowBytes = (entry.end - entry.begin) / ref.shape[0];
    for (const chunk of vocabChunkPlan(gpu, ref, entry.dtype, opts.maxVocabRowsPerChunk)) {
      yield { ref, entry, chunk, start: chunk.rowOffset * rowBytes, end: (chunk.rowOffset + chunk.rows) * rowBytes };
    }
  }
}

/** A piece of a target for the writeBuffer path: bytes at `offset` of the tensor; whole = the tensor's bytes at once. */
interface WrittenPiece {
  target: UploadTarget;
  offset: number;
  whole: boolean;
  bytes: Uint8Array;
}

/** The writeBuffer path's reads, in order: small tensors and decoded vectors whole, others in pieces. */
async function* writtenPieces(targets: Iterable<UploadTarget>, ckpt: Checkpoint, piece: number): AsyncGenerator<WrittenPiece> {
  for (const target of targets) {
    const { ref, entry, start, end } = target;
    if (end - start <= piece || !storedAsIs(ref, entry)) {
      yield { target, offset: 0, whole: true, bytes: await ckpt.readTensorBytes(ref.name, { start, end }) };
      continue;
    }
    for (let at = start; at < end; at += piece) {
      yield { target, offset: at - start, whole: false, bytes: await ckpt.readTensorBytes(ref.name, { start: at, end: Math.min(end, at + piece) }) };
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
  const piece = opts.pieceBytes ?? UPLOAD_PIECE_BYTES;
  if (piece % 4 !== 0 || piece <= 0) throw new RangeError(`pieceBytes must be a positive multiple of 4 (got ${piece})`); // copy offsets
  const totalBytes = refs.reduce((s, r) => s + (ckpt.entries.get(r.name)!.end - ckpt.entries.get(r.name)!.begin), 0);
  let done = 0;
  const progress = (ref: WeightRef, bytes: number) => {
    done += bytes;
    onProgress?.({ phase: 'upload', done, total: totalBytes, unit: 'bytes', message: ref.name });
  };
  const layers: LayerWeights[] = Array.from({ length: spec.layers }, () => ({}));
  const embed: VocabChunk[] = [];
  let lmHead: VocabChunk[] | undefined;
  let finalNorm: Tensor | undefined;
  const made = () => ({ embed, lmHead: lmHead ?? embed, finalNorm, layers }) as ModelWeights;
  /** Creates a target's tensor (with its bytes, or empty for the pieces to fill) and puts it in the table. */
  const place = ({ ref, entry, chunk }: UploadTarget, bytes?: Uint8Array): Tensor => {
    const shape = chunk ? [chunk.rows, ref.shape[1]] : ref.shape;
    const label = chunk ? `${ref.name}[${chunk.rowOffset}:]` : ref.name;
    const t = bytes ? uploadTensor(gpu, ref.role, entry.dtype, shape, bytes, label) : gpu.weight(shape, gpuDtype(ref.role, entry.dtype), label);
    if (chunk) {
      const c: VocabChunk = { rowOffset: chunk.rowOffset, rows: chunk.rows, table: t };
      if (ref.role === 'embed') embed.push(c);
      else (lmHead ??= []).push(c);
    } else if (ref.role === 'finalNorm') finalNorm = t;
    else layers[ref.layer!][ref.role as LayerRole] = t;
    return t;
  };
  const targets = uploadTargets(gpu, ckpt, refs, opts);
  const ring = ckpt.readsInto ? new StagingRing(gpu, piece) : null;
  try {
    if (ring) {
      // Node: every stored-as-is tensor is read piece by piece straight into a mapped staging buffer
      for (const target of targets) {
        const { ref, entry, start, end } = target;
        if (!storedAsIs(ref, entry)) {
          const bytes = await ckpt.readTensorBytes(ref.name, { start, end });
          place(target, bytes);
          progress(ref, bytes.byteLength);
          continue;
        }
        const t = place(target);
        for (let at = start; at < end; at += piece) {
          const range = { start: at, end: Math.min(end, at + piece) };
          progress(ref, await ring.upload(t.buffer, at - start, (into) => ckpt.readTensorBytes(ref.name, range, into)));
        }
      }
      await ring.finish();
    } else {
      // elsewhere: writeBuffer, the next piece read while this one is written; queued writes sit in
      // the driver's staging memory until a submit completes, so wait every UPLOAD_FLUSH_BYTES
      let queued = 0;
      let current: Tensor | undefined;
      for await (const { target, offset, whole, bytes } of readAhead(writtenPieces(targets, ckpt, piece))) {
        if (whole) current = place(target, bytes);
        else {
          if (offset === 0) current = place(target);
          gpu.writeWeight(current!, bytes, offset);
        }
        queued += bytes.byteLength;
        if (queued >= UPLOAD_FLUSH_BYTES) {
          queued = 0;
          gpu.device.queue.submit([]);
          await gpu.device.queue.onSubmittedWorkDone();
        }
        progress(target.ref, bytes.byteLength);
      }
    }
    // One round trip at the end surfaces allocation/validation errors before use.
    await gpu.device.queue.onSubmittedWorkDone();
  } catch (e) {
    // a file that fails to read halfway (or a cancel) frees what was uploaded before it
    destroyWeights(gpu, made());
    throw e;
  } finally {
    if (ring) {
      await ring.finish().catch(() => {}); // no copy out of a slot is pending when it goes
      ring.destroy();
    }
  }
  return made();
}

export function destroyWeights(gpu: Gpu, w: ModelWeights, keep?: Set<Tensor>): void {
  const all = new Set<Tensor>([...w.embed.map((c) => c.table), ...w.lmHead.map((c) => c.table)]);
  if (w.finalNorm) all.add(w.finalNorm); // absent in a load that failed before it
  for (const l of w.layers) for (const t of Object.values(l)) if (t) all.add(t);
  for (const t of all) if (!keep?.has(t)) gpu.destroy(t);
}
