import { describe, expect, it } from 'vitest';
import { addInPlace } from './ops/elementwise';
import { matmul } from './ops/matmul';
import { testGpu } from './ops/test-utils';
import { KernelProfiler } from './profiler';

describe('KernelProfiler', () => {
  it('times each dispatch, sums per kernel and grid, and leaves results unchanged', async () => {
    const gpu = await testGpu();
    expect(gpu.hasTimestamps).toBe(true); // SwiftShader and the H200's Dawn both have it
    const x = gpu.tensor([64, 64], 'x', Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 7) - 3));
    const w = gpu.tensor([64, 64], 'w', Float32Array.from({ length: 64 * 64 }, (_, i) => ((i * 5) % 11) / 10 - 0.5));
    const y = gpu.tensor([64, 64], 'y');
    const run = () => {
      const rec = gpu.recorder('profiled');
      matmul(gpu, rec, x, w, y);
      matmul(gpu, rec, x, w, y);
      addInPlace(gpu, rec, y, x);
      rec.submit();
    };
    run(); // unprofiled reference
    const plain = await gpu.read(y);
    const profiler = new KernelProfiler(gpu, 2);
    gpu.profiler = profiler;
    run();
    gpu.profiler = null;
    const profiled = await gpu.read(y);
    expect(Array.from(profiled)).toEqual(Array.from(plain));
    expect(profiler.dropped).toBe(1); // capacity 2: the third dispatch was not timed
    const times = await profiler.collect();
    console.log(`profile: ${times.map((t) => `${t.kernel} x${t.dispatches} ${t.ms.toFixed(3)} ms`).join('; ')}`);
    expect(times).toHaveLength(1);
    expect(times[0].dispatches).toBe(2);
    expect(times[0].kernel).toMatch(/matmul.*\[\d+,\d+,\d+\]$/);
    expect(Number.isFinite(times[0].ms) && times[0].ms > 0).toBe(true);
    expect(await profiler.collect()).toEqual([]); // collect starts over
    profiler.destroy();
  });
});
