import { describe, expect, it } from 'vitest';
import { benchMatmul } from './bench-matmul';
import { Gpu } from './context';
import { acquireDevice } from './device';
import { DeviceLostError, TensorTooLargeError } from './errors';
import { nodeGpu } from './node-device';
import { scaleInPlace } from './ops/elementwise';
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

  it('throws TensorTooLargeError above maxStorageBufferBindingSize', async () => {
    const gpu = await testGpu();
    const rows = Math.floor(gpu.limits.maxStorageBufferBindingSize / 4 / 1024) + 1;
    expect(() => gpu.tensor([rows, 1024], 'huge')).toThrow(TensorTooLargeError);
  });

  it('keeps each dispatch its own uniforms when many are batched into one submit', async () => {
    const gpu = await testGpu();
    const xs = Array.from({ length: 40 }, (_, i) => gpu.tensor([3], `x${i}`, Float32Array.of(1, 2, 3)));
    const rec = gpu.recorder('batched');
    xs.forEach((x, i) => scaleInPlace(gpu, rec, x, i));
    rec.submit();
    // reuse of pooled uniform buffers by a second recorder must not disturb the first
    const rec2 = gpu.recorder('second');
    xs.forEach((x) => scaleInPlace(gpu, rec2, x, 2));
    rec2.submit();
    for (let i = 0; i < xs.length; i += 13) expect(Array.from(await gpu.read(xs[i]))).toEqual([2 * i, 4 * i, 6 * i]);
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

  it('times work and benchmarks a small matmul', async () => {
    const gpu = await testGpu();
    const timer = new GpuTimer(gpu);
    const x = gpu.tensor([1000], 'x');
    const t = await timer.time((rec) => scaleInPlace(gpu, rec, x, 2));
    expect(t.ms).toBeGreaterThanOrEqual(0);
    expect(t.source).toBe(gpu.hasTimestamps ? 'timestamp' : 'wall-clock');
    const [r] = await benchMatmul(gpu, [{ T: 64, N: 64, K: 64 }], { repeats: 1, perSubmit: 2 });
    console.log(`bench 64^3: ${r.ms.toFixed(3)} ms, ${(r.tflops * 1e3).toFixed(3)} GFLOP/s (${r.source})`);
    expect(r.tflops).toBeGreaterThan(0);
    timer.destroy();
  });
});
