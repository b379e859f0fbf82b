// Matmul throughput benchmark (used by `npm run bench`): y[T, N] = x[T, K] w[N, K]^T.
import type { Gpu } from './context';
import { matmul, type MatmulOptions } from './ops/matmul';
import { GpuTimer } from './timer';

export interface MatmulBenchSize {
  T: number;
  N: number;
  K: number;
}

export interface MatmulBenchResult extends MatmulBenchSize {
  /** Median ms per matmul over the timed repetitions. */
  ms: number;
  tflops: number;
  /** Weight + activation bytes read per ms, for the bandwidth-bound decode sizes. */
  gbPerS: number;
  source: 'timestamp' | 'wall-clock';
  /** The forced kernel, when one was (else matmul picked by shape). */
  kernel?: string;
}

/** Times each size: one warm-up, then `repeats` submits of `perSubmit` matmuls each. `kernel`/`tileK` force a variant. */
export async function benchMatmul(
  gpu: Gpu,
  sizes: MatmulBenchSize[],
  opts: { repeats?: number; perSubmit?: number; kernel?: MatmulOptions['kernel']; tileK?: MatmulOptions['tileK'] } = {},
): Promise<MatmulBenchResult[]> {
  const variant: MatmulOptions = { kernel: opts.kernel, tileK: opts.tileK };
  const repeats = opts.repeats ?? 5;
  const perSubmit = opts.perSubmit ?? 10;
  const timer = new GpuTimer(gpu);
  const results: MatmulBenchResult[] = [];
  for (const { T, N, K } of sizes) {
    const x = gpu.tensor([T, K], 'bench-x', Float32Array.from({ length: T * K }, (_, i) => ((i * 7) % 13) / 13 - 0.5));
    const w = gpu.tensor([N, K], 'bench-w');
    const y = gpu.tensor([T, N], 'bench-y');
    const run = (count: number) => (rec: Parameters<Parameters<GpuTimer['time']>[0]>[0]) => {
      for (let i = 0; i < count; i++) matmul(gpu, rec, x, w, y, variant);
    };
    await timer.time(run(1), 'bench-warmup');
    const samples: number[] = [];
    let source: MatmulBenchResult['source'] = timer.source;
    for (let r = 0; r < repeats; r++) {
      const t = await timer.time(run(perSubmit), 'bench');
      samples.push(t.ms / perSubmit);
      source = t.source;
    }
    samples.sort((a, b) => a - b);
    const ms = samples[Math.floor(samples.length / 2)];
    results.push({ T, N, K, ms, tflops: (2 * T * N * K) / (ms * 1e-3) / 1e12, gbPerS: ((T * K + N * K + T * N) * 4) / (ms * 1e-3) / 1e9, source, ...(opts.kernel ? { kernel: `${opts.kernel}${opts.tileK ? `/k${opts.tileK}` : ''}` } : {}) });
    for (const t of [x, w, y]) gpu.destroy(t);
  }
  timer.destroy();
  return results;
}
