// Uploads through a ring of mapped staging buffers: the bytes are read straight into a mapping,
// then the GPU copies them into place. queue.writeBuffer copies once more through Dawn's own
// staging memory: on the H200 machine a 4 GB file went up at 2.7 GB/s through writeBuffer and at
// 5.1-5.6 GB/s read into a ring of mapped buffers (scripts/device/probe-upload.mjs).
// While slot k is filled, the copies out of the others run and they map again; a slot is refilled
// only once its mapAsync resolved, i.e. after the GPU finished copying out of it.
import type { Gpu } from './context';

// WebGPU flag values (spec constants; Node installs the globals only after the device module loads)
const MAP_WRITE = 0x2;
const COPY_SRC = 0x4;
const MAP_WRITE_MODE = 0x2;

interface Slot {
  buffer: GPUBuffer;
  /** resolves when the slot is mapped again (its last copy is done) */
  ready: Promise<void>;
}

export class StagingRing {
  readonly slotBytes: number;
  private readonly slots: Slot[];
  private turn = 0;

  /** @param slotBytes a multiple of 4: the most bytes one upload() takes. */
  constructor(
    private readonly gpu: Gpu,
    slotBytes: number,
    slots = 4,
  ) {
    if (slotBytes % 4 !== 0 || slotBytes <= 0) throw new RangeError(`staging slots must hold a positive multiple of 4 bytes (got ${slotBytes})`);
    this.slotBytes = slotBytes;
    this.slots = Array.from({ length: slots }, (_, i) => ({
      buffer: gpu.createBuffer({ label: `staging ${i}`, size: slotBytes, usage: MAP_WRITE | COPY_SRC, mappedAtCreation: true }),
      ready: Promise.resolve(),
    }));
  }

  /**
   * Copies bytes into `dst` at `dstOffset` (a multiple of 4): `fill(into)` gets the next slot's
   * mapping and returns the bytes, read into it (then no copy) or elsewhere (then copied in), at
   * most slotBytes. A length that is not a multiple of 4 goes up zero-padded (dst must have room).
   * Resolves once the copy is submitted; finish() waits for all of them.
   */
  async upload(dst: GPUBuffer, dstOffset: number, fill: (into: Uint8Array) => Promise<Uint8Array>): Promise<number> {
    this.gpu.assertAlive();
    if (dstOffset % 4 !== 0) throw new RangeError(`staging upload at offset ${dstOffset}: not a multiple of 4`);
    const slot = this.slots[this.turn++ % this.slots.length];
    await slot.ready;
    const mapped = new Uint8Array(slot.buffer.getMappedRange(0, this.slotBytes));
    const bytes = await fill(mapped);
    const n = bytes.byteLength;
    if (n > this.slotBytes) throw new RangeError(`staging upload of ${n} bytes: a slot holds ${this.slotBytes}`);
    if (bytes.buffer !== mapped.buffer || bytes.byteOffset !== 0) mapped.set(bytes);
    const padded = Math.ceil(n / 4) * 4;
    mapped.fill(0, n, padded);
    slot.buffer.unmap();
    if (padded > 0) {
      const enc = this.gpu.device.createCommandEncoder({ label: 'staging copy' });
      enc.copyBufferToBuffer(slot.buffer, 0, dst, dstOffset, padded);
      this.gpu.device.queue.submit([enc.finish()]);
    }
    slot.ready = slot.buffer.mapAsync(MAP_WRITE_MODE);
    slot.ready.catch(() => {}); // seen (and thrown) when the slot's turn comes, or in finish()
    return n;
  }

  /** Waits until every copy so far is done (every slot mapped again). */
  async finish(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  destroy(): void {
    for (const s of this.slots) this.gpu.destroy(s.buffer);
  }
}
