// Streams a checkpoint's tensors onto the GPU as f32, tensor by tensor, through the
// per-family weight table. Vocabulary tables larger than one storage binding are
// split into row chunks (principle 4).
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { convertToF32 } from '../gpu/ops';
import { GpuOutOfMemoryError } from '../gpu/errors';
import type { Checkpoint } from '../io/checkpoint';
import { checkSupportedDtype } from '../io/safetensors';
import type { ModelSpec } from './spec-types';
import { weightTable, type WeightRef, type WeightRole } from './weights';
import type { ProgressFn } from '../io/progress';

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

/** Largest row count of a [rows, D] f32 table that fits one storage binding. */
export function maxRowsPerChunk(gpu: Gpu, D: number): number {
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  return Math.max(1, Math.floor(limit / (D * 4)));
}

export function chunkRows(total: number, maxRows: number): { rowOffset: number; rows: number }[] {
  const out = [];
  for (let r = 0; r < total; r += maxRows) out.push({ rowOffset: r, rows: Math.min(maxRows, total - r) });
  return out;
}

/** Uploads raw little-endian bytes and converts them to an f32 tensor of `shape`. */
export function uploadAsF32(gpu: Gpu, bytes: Uint8Array, dtype: 'F32' | 'F16' | 'BF16', shape: number[], label: string): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'F32') {
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(0, count * 4));
    return gpu.tensor(shape, label, data);
  }
  const padded = (bytes.byteLength + 3) & ~3;
  const raw = gpu.createBuffer({ label: `${label}.raw`, size: Math.max(4, padded), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  if (padded === bytes.byteLength) gpu.device.queue.writeBuffer(raw, 0, bytes as Uint8Array<ArrayBuffer>);
  else {
    const tmp = new Uint8Array(padded);
    tmp.set(bytes);
    gpu.device.queue.writeBuffer(raw, 0, tmp);
  }
  const out = gpu.tensor(shape, label);
  const rec = gpu.recorder(`convert ${label}`);
  convertToF32(gpu, rec, raw, dtype, count, out);
  rec.submit();
  gpu.destroy(raw);
  return out;
}

async function uploadVocabTable(gpu: Gpu, ckpt: Checkpoint, ref: WeightRef, maxRows?: number): Promise<VocabChunk[]> {
  const entry = ckpt.entries.get(ref.name)!;
  const [V, D] = ref.shape;
  const bytes = await ckpt.readTensorBytes(ref.name);
  const rowBytes = (bytes.byteLength / V) | 0;
  return chunkRows(V, Math.min(maxRows ?? Infinity, maxRowsPerChunk(gpu, D))).map(({ rowOffset, rows }) => ({
    rowOffset,
    rows,
    table: uploadAsF32(gpu, bytes.subarray(rowOffset * rowBytes, (rowOffset + rows) * rowBytes), entry.dtype as 'F32', [rows, D], `${ref.name}[${rowOffset}:]`),
  }));
}

export interface UploadOptions {
  /** cap on rows per vocabulary chunk (tests force the split path on small models). */
  maxVocabRowsPerChunk?: number;
}

export async function uploadWeights(gpu: Gpu, spec: ModelSpec, ckpt: Checkpoint, onProgress?: ProgressFn, opts: UploadOptions = {}): Promise<ModelWeights> {
  const refs = weightTable(spec, new Set(ckpt.entries.keys()));
  // One out-of-memory scope over the whole upload: a model that does not fit fails with a
  // clear error (weights are f32 on the GPU: 4 bytes per parameter), not an uncaptured one.
  gpu.device.pushErrorScope('out-of-memory');
  let weights: ModelWeights | undefined;
  try {
    weights = await uploadTensors(gpu, spec, ckpt, refs, onProgress, opts);
  } finally {
    const error = await gpu.device.popErrorScope();
    if (error) {
      const f32Bytes = refs.reduce((a, r) => a + r.shape.reduce((x, y) => x * y, 1) * 4, 0);
      if (weights) destroyWeights(gpu, weights);
      throw new GpuOutOfMemoryError('loading the model', f32Bytes, `${error.message}; weights take ${(f32Bytes / 2 ** 30).toFixed(2)} GiB as f32: use a GPU with more memory`);
    }
  }
  return weights;
}

async function uploadTensors(gpu: Gpu, spec: ModelSpec, ckpt: Checkpoint, refs: WeightRef[], onProgress: ProgressFn | undefined, opts: UploadOptions): Promise<ModelWeights> {
  const totalBytes = refs.reduce((s, r) => s + (ckpt.entries.get(r.name)!.end - ckpt.entries.get(r.name)!.begin), 0);
  let done = 0;
  const layers: LayerWeights[] = Array.from({ length: spec.layers }, () => ({}));
  let embed: VocabChunk[] = [];
  let lmHead: VocabChunk[] | undefined;
  let finalNorm: Tensor | undefined;
  for (const ref of refs) {
    const entry = ckpt.entries.get(ref.name)!;
    checkSupportedDtype(entry);
    if (ref.role === 'embed') embed = await uploadVocabTable(gpu, ckpt, ref, opts.maxVocabRowsPerChunk);
    else if (ref.role === 'lmHead') lmHead = await uploadVocabTable(gpu, ckpt, ref, opts.maxVocabRowsPerChunk);
    else {
      const bytes = await ckpt.readTensorBytes(ref.name);
      const t = uploadAsF32(gpu, bytes, entry.dtype as 'F32', ref.shape, ref.name);
      if (ref.role === 'finalNorm') finalNorm = t;
      else layers[ref.layer!][ref.role as LayerRole] = t;
    }
    done += entry.end - entry.begin;
    onProgress?.({ phase: 'upload', done, total: totalBytes, unit: 'bytes', message: ref.name });
  }
  // One round trip at the end surfaces allocation/validation errors before use.
  await gpu.device.queue.onSubmittedWorkDone();
  return { embed, lmHead: lmHead ?? embed, finalNorm: finalNorm!, layers };
}

export function destroyWeights(gpu: Gpu, w: ModelWeights, keep?: Set<Tensor>): void {
  const all = new Set<Tensor>([...w.embed.map((c) => c.table), ...w.lmHead.map((c) => c.table), w.finalNorm]);
  for (const l of w.layers) for (const t of Object.values(l)) if (t) all.add(t);
  for (const t of all) if (!keep?.has(t)) gpu.destroy(t);
}
