// A streamed weight source: a pass asks for layer 0, 1, ... and each layer's tensors are read from
// their file slices and written into one of two GPU slots, while the layer before runs. The next
// layer's file reads start as soon as this one is asked for (disk overlaps GPU), and a slot is
// rewritten only after the GPU finished the layer that used it (queue order makes the reuse safe;
// waiting bounds host memory to about one layer in flight). Vocabulary tables go in row chunks
// through two chunk slots the same way. Nothing but the final norm stays between passes.
import type { Gpu } from '../gpu/context';
import { numel, type Tensor } from '../gpu/tensor';
import type { Checkpoint } from '../io/checkpoint';
import type { TensorEntry } from '../io/safetensors';
import type { ModelSpec } from './spec-types';
import { gpuDtype, vocabChunkPlan, writeTensor, type LayerRole, type LayerWeights, type VocabChunk } from './load';
import type { WeightSource } from './weight-source';
import { weightTable, type WeightRef, type WeightRole } from './weights';

interface ReadTensor {
  ref: WeightRef;
  entry: TensorEntry;
  bytes: Promise<Uint8Array>;
}

export interface StreamedSourceOptions {
  /** rows per vocabulary chunk slot (the placement plan sizes it to the budget). */
  vocabChunkRows: number;
}

export class StreamedSource implements WeightSource {
  readonly resident = null;
  readonly finalNorm: Tensor;
  private readonly layerRefs: WeightRef[][];
  private readonly vocabRefs: { embed: WeightRef; lmHead: WeightRef };
  private readonly normRef: WeightRef;
  private readonly slots: [LayerWeights, LayerWeights] = [{}, {}];
  private readonly slotFree: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
  private readonly chunkSlots: (Tensor | null)[] = [null, null];
  private allocated = 0;

  constructor(
    private readonly gpu: Gpu,
    spec: ModelSpec,
    private readonly ckpt: Checkpoint,
    private readonly opts: StreamedSourceOptions,
  ) {
    const refs = weightTable(spec, new Set(ckpt.entries.keys()));
    this.layerRefs = Array.from({ length: spec.layers }, (_, l) => refs.filter((r) => r.layer === l));
    const embed = refs.find((r) => r.role === 'embed')!;
    this.vocabRefs = { embed, lmHead: refs.find((r) => r.role === 'lmHead') ?? embed };
    this.normRef = refs.find((r) => r.role === 'finalNorm')!;
    this.finalNorm = gpu.tensor([...this.normRef.shape], this.normRef.name);
  }

  /** Uploads the final norm (small; kept for the session). */
  async init(): Promise<this> {
    const entry = this.ckpt.entries.get(this.normRef.name)!;
    writeTensor(this.gpu, this.finalNorm, 'finalNorm', entry.dtype, await this.ckpt.readTensorBytes(this.normRef.name));
    return this;
  }

  // Host buffers the reads go into (Node's files: fresh memory per read paid a page fault per
  // 4 KiB): two sets by tensor role, taken in turn, so the read ahead of the next layer never
  // shares a set with the layer being written (writeBuffer copies at the call, so a set is free
  // once layer() wrote it). Vocabulary chunks alternate between two buffers likewise.
  private readonly hostSets: [Map<WeightRole, Uint8Array>, Map<WeightRole, Uint8Array>] = [new Map(), new Map()];
  private hostTurn = 0;
  private readonly hostChunk: (Uint8Array | null)[] = [null, null];
  /** the read ahead of one layer (at most one in flight) */
  private pending: { layer: number; reads: ReadTensor[] } | null = null;

  private read(l: number): ReadTensor[] {
    const set = this.hostSets[this.hostTurn++ % 2];
    return this.layerRefs[l].map((ref) => {
      const entry = this.ckpt.entries.get(ref.name)!;
      let into: Uint8Array | undefined;
      if (this.ckpt.readsInto) {
        const held = set.get(ref.role);
        into = held && held.length >= entry.end - entry.begin ? held : new Uint8Array(entry.end - entry.begin);
        set.set(ref.role, into);
      }
      return { ref, entry, bytes: this.ckpt.readTensorBytes(ref.name, undefined, into) };
    });
  }

  async layer(l: number, next?: number): Promise<LayerWeights> {
    let reads: ReadTensor[];
    if (this.pending?.layer === l) reads = this.pending.reads;
    else {
      // a read ahead for another layer (a pass cut short) lands before its buffers are reused
      if (this.pending) await Promise.allSettled(this.pending.reads.map((r) => r.bytes));
      reads = this.read(l);
    }
    this.pending = next !== undefined && next !== l ? { layer: next, reads: this.read(next) } : null;
    for (const r of this.pending?.reads ?? []) r.bytes.catch(() => {}); // a failed read ahead throws when its layer is asked for
    const s = l % 2;
    await this.slotFree[s]; // the GPU is done with the layer this slot held
    const slot = this.slots[s];
    for (const r of reads) {
      const role = r.ref.role as LayerRole;
      const t = this.slotTensor(slot, role, r.ref, r.entry);
      writeTensor(this.gpu, t, role, r.entry.dtype, await r.bytes);
    }
    return slot;
  }

  release(l: number): void {
    this.slotFree[l % 2] = this.gpu.device.queue.onSubmittedWorkDone();
  }

  /** The slot's tensor for a role, (re)allocated when the layer's shape or dtype differs. */
  private slotTensor(slot: LayerWeights, role: LayerRole, ref: WeightRef, entry: TensorEntry): Tensor {
    const dtype = gpuDtype(role, entry.dtype);
    const cur = slot[role];
    if (cur && (cur.dtype ?? 'f32') === dtype && cur.shape.length === ref.shape.length && cur.shape.every((d, i) => d === ref.shape[i])) return cur;
    if (cur) this.free(cur);
    const t = this.track(dtype === 'f32' ? this.gpu.tensor([...ref.shape], `slot ${ref.name}`) : this.gpu.weight(ref.shape, dtype, `slot ${ref.name}`));
    slot[role] = t;
    return t;
  }

  async forEachVocabChunk(which: 'embed' | 'lmHead', use: (c: VocabChunk) => void): Promise<void> {
    const ref = this.vocabRefs[which];
    const entry = this.ckpt.entries.get(ref.name)!;
    const [, D] = ref.shape;
    const rowBytes = (entry.end - entry.begin) / ref.shape[0];
    const plan = vocabChunkPlan(this.gpu, ref, entry.dtype, this.opts.vocabChunkRows);
    const chunkFree: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    const readChunk = (i: number) => {
      const bytes = plan[i].rows * rowBytes;
      let into: Uint8Array | undefined;
      if (this.ckpt.readsInto) {
        const held = this.hostChunk[i % 2];
        into = held && held.length >= bytes ? held : (this.hostChunk[i % 2] = new Uint8Array(bytes));
      }
      return this.ckpt.readTensorBytes(ref.name, { start: plan[i].rowOffset * rowBytes, end: (plan[i].rowOffset + plan[i].rows) * rowBytes }, into);
    };
    let nextBytes = plan.length > 0 ? readChunk(0) : null;
    try {
      for (let i = 0; i < plan.length; i++) {
        const bytes = await nextBytes!;
        nextBytes = i + 1 < plan.length ? readChunk(i + 1) : null; // overlaps this chunk's work
        nextBytes?.catch(() => {}); // a failed read ahead throws when its turn comes
        const s = i % 2;
        await chunkFree[s];
        const slot = this.chunkSlot(s, ref, entry, plan[0].rows);
        const rows = plan[i].rows;
        // a short last chunk is a view over the slot's first rows
        const table: Tensor = rows === slot.shape[0] ? slot : { ...slot, shape: [rows, D] };
        writeTensor(this.gpu, table, ref.role, entry.dtype, bytes);
        use({ table, rowOffset: plan[i].rowOffset, rows });
        chunkFree[s] = this.gpu.device.queue.onSubmittedWorkDone();
      }
    } finally {
      await (nextBytes as Promise<Uint8Array> | null)?.catch(() => {}); // cut short: the read ahead lands before its buffer is reused
    }
  }

  vocabChunkRows(which: 'embed' | 'lmHead'): number {
    const ref = this.vocabRefs[which];
    return vocabChunkPlan(this.gpu, ref, this.ckpt.entries.get(ref.name)!.dtype, this.opts.vocabChunkRows)[0].rows;
  }

  private chunkSlot(s: number, ref: WeightRef, entry: TensorEntry, rows: number): Tensor {
    const dtype = gpuDtype(ref.role, entry.dtype);
    const cur = this.chunkSlots[s];
    if (cur && (cur.dtype ?? 'f32') === dtype && cur.shape[0] === rows && cur.shape[1] === ref.shape[1]) return cur;
    if (cur) this.free(cur);
    const shape = [rows, ref.shape[1]];
    const t = this.track(dtype === 'f32' ? this.gpu.tensor(shape, `chunk slot ${s}`) : this.gpu.weight(shape, dtype, `chunk slot ${s}`));
    this.chunkSlots[s] = t;
    return t;
  }

  private track(t: Tensor): Tensor {
    this.allocated += t.buffer.size;
    return t;
  }

  private free(t: Tensor): void {
    this.allocated -= t.buffer.size;
    this.gpu.destroy(t);
  }

  gpuBytes(): number {
    return this.allocated + this.finalNorm.buffer.size;
  }

  dispose(): void {
    for (const slot of this.slots) for (const t of Object.values(slot)) if (t) this.free(t);
    for (const t of this.chunkSlots) if (t) this.free(t);
    this.gpu.destroy(this.finalNorm);
    this.pending = null;
    for (const set of this.hostSets) set.clear();
    this.hostChunk.fill(null);
  }
}

/** Bytes of the largest decoder layer on the GPU (what one slot holds). */
export function layerSlotBytes(refs: WeightRef[], entries: Map<string, TensorEntry>): number {
  const per = new Map<number, number>();
  for (const r of refs) {
    if (r.layer === null) continue;
    const e = entries.get(r.name)!;
    const elem = gpuDtype(r.role, e.dtype) === 'f32' ? 4 : 2;
    per.set(r.layer, (per.get(r.layer) ?? 0) + Math.ceil((numel(r.shape) * elem) / 16) * 16);
  }
  return Math.max(0, ...per.values());
}
