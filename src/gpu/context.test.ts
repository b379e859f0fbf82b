import { describe, expect, it } from 'vitest';
import { benchMatmul } from './bench-matmul';
import { Gpu } from './context';
import { acquireDevice } from './device';
import { DeviceLostError, TensorTooLargeError } from './errors';
import { nodeGpu } from './node-device';
import { embedding } from './ops/embedding';
import { matmul } from './ops/matmul';
import { testGpu } from './ops/test-utils';
import { numel } from './tensor';
import { GpuTimer } from './timer';

describe('Gpu context', () => {
  it('round-trips tensors, partial uploads and u32 buffers', async () => {
    const gpu = await testGpu();
    const t = gpu.tensor([2, 3], 't', Float32Array.of(1, 2, 3, 4, 5, 6));
    gpu.upload(t, Float32Array.of(-1, -2), 4);
    expect(Array.from(await gpu.read(t))).toEqual([1, 2, 3, 4, -1, -2]);
    expect(Array.from(await gpu.readU32(gpu.u32Buffer(Uint32Array.of(7, 8, 9), 'u'), 3))).toEqual([7, 8, 9]);
    expect(Array.from(await gpu.readU32(gpu.u32Buffer(2, 'z'), 2))).toEqual([0, 0]);
    expect(numel([2, 3, 4])).toBe(24);
    expect(() => gpu.upload(t, new Float32Array(3), 4)).toThrow(RangeError);
  });

  it('reads several tensors in one round trip, each as it is', async () => {
    const gpu = await testGpu();
    const a = gpu.tensor([3], 'a', Float32Array.of(1, 2, 3));
    const empty = gpu.tensor([0], 'empty');
    const b = gpu.tensor([2, 2], 'b', Float32Array.of(-1, -2, -3, -4));
    const [ra, re, rb] = await gpu.readMany([a, empty, b]);
    expect(Array.from(ra)).toEqual([1, 2, 3]);
    expect(re.length).toBe(0);
    expect(Array.from(rb)).toEqual([-1, -2, -3, -4]);
    await expect(gpu.readMany([gpu.weight([2, 2], 'bf16', 'w')])).rejects.toThrow(RangeError);
  });

  it('reuses freed tensors of the same size inside withBufferReuse, zeroed, and frees them at the end', async () => {
    const gpu = await testGpu();
    const before = gpu.memory().allocatedBytes;
    let first: GPUBuffer | undefined;
    await gpu.withBufferReuse(async () => {
      const a = gpu.tensor([1000], 'a', new Float32Array(1000).fill(7));
      first = a.buffer;
      gpu.destroy(a);
      expect(gpu.memory().allocatedBytes).toBe(before);
      expect(gpu.reusableBytes).toBe(4000);
      const b = gpu.tensor([1000], 'b');
      expect(b.buffer).toBe(first); // the same buffer, handed out again
      expect(gpu.reusableBytes).toBe(0);
      expect(Array.from(await gpu.read(b)).every((v) => v === 0)).toBe(true); // zeroed like a new tensor
      gpu.upload(b, new Float32Array(1000).fill(3));
      gpu.destroy(b);
      gpu.destroy(b); // a second free leaves the kept buffer alone
      const other = gpu.tensor([10], 'other'); // another small size: allocated anew, the kept one stays
      expect(other.buffer).not.toBe(first);
      expect(gpu.reusableBytes).toBe(4000);
      const big = gpu.tensor([2 ** 18 + 4], 'big'); // another size >= 1 MiB: frees what is kept first
      expect(gpu.reusableBytes).toBe(0);
      gpu.destroy(other);
      gpu.destroy(big);
    });
    expect(gpu.reusableBytes).toBe(0);
    expect(gpu.memory().allocatedBytes).toBe(before);
    // outside the scope a freed tensor is destroyed, not kept
    const c = gpu.tensor([1000], 'c');
    gpu.destroy(c);
    expect(gpu.tensor([1000], 'd').buffer).not.toBe(c.buffer);
  });

  it('throws TensorTooLargeError above maxStorageBufferBindingSize', async () => {
    const gpu = await testGpu();
    const rows = Math.floor(gpu.limits.maxStorageBufferBindingSize / 4 / 1024) + 1;
    expect(() => gpu.tensor([rows, 1024], 'huge')).toThrow(TensorTooLargeError);
  });

  it('keeps each dispatch its own uniforms when many are batched into one submit', async () => {
    const gpu = await testGpu();
    // embedding of row 0 = [1, 2, 3] with a per-dispatch scale uniform: out = [s, 2s, 3s]
    const table = gpu.tensor([1, 3], 'table', Float32Array.of(1, 2, 3));
    const ids = gpu.u32Buffer(Uint32Array.of(0), 'ids');
    const outs = (tag: string) => Array.from({ length: 40 }, (_, i) => gpu.tensor([1, 3], `${tag}${i}`));
    const [first, second] = [outs('a'), outs('b')];
    const rec = gpu.recorder('batched');
    first.forEach((o, i) => embedding(gpu, rec, table, ids, o, { scale: i }));
    rec.submit();
    // reuse of pooled uniform buffers by a second recorder must not disturb the first
    const rec2 = gpu.recorder('second');
    second.forEach((o, i) => embedding(gpu, rec2, table, ids, o, { scale: 100 + i }));
    rec2.submit();
    for (let i = 0; i < 40; i += 13) {
      expect(Array.from(await gpu.read(first[i]))).toEqual([i, 2 * i, 3 * i]);
      expect(Array.from(await gpu.read(second[i]))).toEqual([100 + i, 2 * (100 + i), 3 * (100 + i)]);
    }
    expect(rec.dispatchCount).toBe(40);
  });

  it('throws DeviceLostError after the device is lost', async () => {
    const { device, lost } = await acquireDevice(await nodeGpu());
    const gpu = new Gpu(device);
    device.destroy();
    await lost;
    await Promise.resolve(); // let Gpu's own lost handler run
    expect(() => gpu.tensor([4], 't')).toThrow(DeviceLostError);
    expect(() => gpu.recorder()).toThrow(/device lost/);
  });

  it('caches pipelines by key and override constants', async () => {
    const gpu = await testGpu();
    const code = 'override WG: u32 = 64; @group(0) @binding(0) var<storage, read_write> a: array<f32>; @compute @workgroup_size(WG) fn main() { a[0] = 1.0; }';
    expect(gpu.pipeline('test/cache', code, { WG: 64 })).toBe(gpu.pipeline('test/cache', code, { WG: 64 }));
    expect(gpu.pipeline('test/cache', code, { WG: 32 })).not.toBe(gpu.pipeline('test/cache', code, { WG: 64 }));
  });

  it('times work: within the wall time around it, and more work takes longer', async () => {
    const gpu = await testGpu();
    const timer = new GpuTimer(gpu);
    const mm = (n: number, times: number) => {
      const [x, w, y] = [gpu.tensor([n, n], 'x', new Float32Array(n * n).fill(0.5)), gpu.tensor([n, n], 'w'), gpu.tensor([n, n], 'y')];
      return (rec: Parameters<Parameters<GpuTimer['time']>[0]>[0]) => {
        for (let i = 0; i < times; i++) matmul(gpu, rec, x, w, y);
      };
    };
    await timer.time(mm(64, 1)); // compile the pipelines outside the timed runs
    await timer.time(mm(256, 1));
    const wall0 = performance.now();
    const small = await timer.time(mm(64, 1));
    const wall = performance.now() - wall0;
    const big = await timer.time(mm(256, 4)); // 256x the multiply-adds
    console.log(`timer (${small.source}): 64^3 x1 ${small.ms.toFixed(3)} ms (wall ${wall.toFixed(3)} ms), 256^3 x4 ${big.ms.toFixed(3)} ms`);
    expect(small.source).toBe(gpu.hasTimestamps ? 'timestamp' : 'wall-clock');
    // a GPU time is positive, finite, in ms (not ns or s): it fits inside the wall time of the call
    expect(Number.isFinite(small.ms) && small.ms > 0).toBe(true);
    expect(small.ms).toBeLessThanOrEqual(wall + 0.1);
    expect(big.ms).toBeGreaterThan(small.ms);
    timer.destroy();
  });

  it('benchmarks a small matmul: ms per matmul within the wall time, TFLOP/s and GB/s consistent with it', async () => {
    const gpu = await testGpu();
    const [T, N, K, perSubmit] = [64, 64, 64, 2];
    const wall0 = performance.now();
    const [r] = await benchMatmul(gpu, [{ T, N, K }], { repeats: 1, perSubmit });
    const wall = performance.now() - wall0;
    console.log(`bench 64^3: ${r.ms.toFixed(3)} ms, ${(r.tflops * 1e3).toFixed(3)} GFLOP/s (${r.source}), call ${wall.toFixed(1)} ms`);
    expect(Number.isFinite(r.ms) && r.ms > 0).toBe(true);
    expect(r.ms * perSubmit).toBeLessThanOrEqual(wall); // one timed submit of perSubmit matmuls, plus a warm-up
    expect((r.tflops * 1e12 * r.ms) / 1e3 / (2 * T * N * K)).toBeCloseTo(1, 9);
    expect((r.gbPerS * 1e9 * r.ms) / 1e3 / ((T * K + N * K + T * N) * 4)).toBeCloseTo(1, 9);
  });
});
