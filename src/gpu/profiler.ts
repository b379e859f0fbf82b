// Per-kernel GPU time (benchmarks only): while a KernelProfiler is attached to a Gpu, every
// dispatch runs in a compute pass of its own whose start and end write timestamps. collect()
// reads them back and sums the time per kernel: the pipeline label plus its workgroup grid,
// which tells the shapes of one kernel apart. A pass per dispatch adds a little time of its own,
// so the totals are for finding where time goes, not for the headline numbers.
import type { Gpu } from './context';

const QUERY_RESOLVE = 0x200; // GPUBufferUsage.QUERY_RESOLVE
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const MAP_READ = 0x1;

export interface KernelTime {
  /** pipeline label and workgroup grid, e.g. "nn/rms_norm|WG=256 [8192,1,1]" */
  kernel: string;
  dispatches: number;
  ms: number;
}

export class KernelProfiler {
  readonly querySet: GPUQuerySet;
  private readonly kernels: string[] = [];
  /** dispatches that found the query set full (not timed) */
  dropped = 0;

  /** @param capacity dispatches timed between two collect() calls (WebGPU allows 4096 queries: 2 per dispatch) */
  constructor(
    private readonly gpu: Gpu,
    readonly capacity = 2048,
  ) {
    if (!gpu.hasTimestamps) throw new Error("kernel profiling needs the device feature 'timestamp-query'");
    this.querySet = gpu.device.createQuerySet({ label: 'kernel profiler', type: 'timestamp', count: 2 * capacity });
  }

  /** The query slot for the next dispatch of `kernel`, or null when the set is full. */
  slot(kernel: string): number | null {
    if (this.kernels.length >= this.capacity) {
      this.dropped++;
      return null;
    }
    this.kernels.push(kernel);
    return this.kernels.length - 1;
  }

  /** Reads the timestamps of every dispatch since the last collect (after their submits), summed per kernel, longest first. */
  async collect(): Promise<KernelTime[]> {
    const n = this.kernels.length;
    if (n === 0) return [];
    const bytes = 16 * n;
    const device = this.gpu.device;
    const resolve = device.createBuffer({ label: 'profiler resolve', size: bytes, usage: QUERY_RESOLVE | COPY_SRC });
    const read = device.createBuffer({ label: 'profiler read', size: bytes, usage: MAP_READ | COPY_DST });
    const enc = device.createCommandEncoder({ label: 'profiler collect' });
    enc.resolveQuerySet(this.querySet, 0, 2 * n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(MAP_READ);
    const stamps = new BigUint64Array(read.getMappedRange().slice(0));
    read.destroy();
    resolve.destroy();
    const sums = new Map<string, KernelTime>();
    this.kernels.forEach((kernel, i) => {
      const t = sums.get(kernel) ?? { kernel, dispatches: 0, ms: 0 };
      // end < begin can happen when a driver reorders or does not write a stamp: count it as 0
      t.ms += stamps[2 * i + 1] > stamps[2 * i] ? Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6 : 0;
      t.dispatches++;
      sums.set(kernel, t);
    });
    this.kernels.length = 0;
    return [...sums.values()].sort((a, b) => b.ms - a.ms);
  }

  destroy(): void {
    this.querySet.destroy();
  }
}
