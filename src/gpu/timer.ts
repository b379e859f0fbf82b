// GPU timing (principle 11): timestamp queries when the device has them, else wall
// clock around a submit + a tiny mapAsync that waits for the queue to drain.
import type { Gpu, Recorder } from './context';

const QUERY_RESOLVE = 0x200; // GPUBufferUsage.QUERY_RESOLVE
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const MAP_READ = 0x1;

export interface GpuTiming {
  ms: number;
  source: 'timestamp' | 'wall-clock';
}

export class GpuTimer {
  private readonly querySet: GPUQuerySet | undefined;
  private readonly resolveBuf: GPUBuffer | undefined;
  private readonly syncBuf: GPUBuffer;

  constructor(private readonly gpu: Gpu) {
    const device = gpu.device;
    if (gpu.hasTimestamps) {
      this.querySet = device.createQuerySet({ label: 'timer', type: 'timestamp', count: 2 });
      this.resolveBuf = device.createBuffer({ label: 'timer-resolve', size: 16, usage: QUERY_RESOLVE | COPY_SRC });
    }
    this.syncBuf = device.createBuffer({ label: 'timer-sync', size: 16, usage: COPY_SRC | COPY_DST });
  }

  get source(): GpuTiming['source'] {
    return this.querySet ? 'timestamp' : 'wall-clock';
  }

  /** Records work through `record`, submits it once and reports the GPU time in ms. */
  async time(record: (rec: Recorder) => void, label = 'timed'): Promise<GpuTiming> {
    const rec = this.gpu.recorder(label);
    if (this.querySet && this.resolveBuf) {
      rec.timestampPass(this.querySet, 0);
      record(rec);
      rec.timestampPass(this.querySet, 1);
      const readBuf = this.gpu.device.createBuffer({ label: 'timer-read', size: 16, usage: MAP_READ | COPY_DST });
      rec.encoder.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf, 0);
      rec.encoder.copyBufferToBuffer(this.resolveBuf, 0, readBuf, 0, 16);
      rec.submit();
      await readBuf.mapAsync(MAP_READ);
      const [t0, t1] = new BigUint64Array(readBuf.getMappedRange().slice(0));
      readBuf.destroy();
      return { ms: Number(t1 - t0) / 1e6, source: 'timestamp' };
    }
    // Wall clock: drain the queue first so earlier work is not counted.
    await this.sync();
    const start = performance.now();
    record(rec);
    rec.submit();
    await this.sync();
    return { ms: performance.now() - start, source: 'wall-clock' };
  }

  /** Waits until all submitted work is done via a 16-byte copy + mapAsync (cheaper than onSubmittedWorkDone in Node). */
  private async sync(): Promise<void> {
    const readBuf = this.gpu.device.createBuffer({ label: 'timer-sync-read', size: 16, usage: MAP_READ | COPY_DST });
    const enc = this.gpu.device.createCommandEncoder({ label: 'timer-sync' });
    enc.copyBufferToBuffer(this.syncBuf, 0, readBuf, 0, 16);
    this.gpu.device.queue.submit([enc.finish()]);
    await readBuf.mapAsync(MAP_READ);
    readBuf.destroy();
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuf?.destroy();
    this.syncBuf.destroy();
  }
}
