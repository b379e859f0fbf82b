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

export interface MatmulBenchVariant {
  kernel?: MatmulOptions['kernel'];
  tileK?: MatmulOptions['tileK'];
  precision?: MatmulOptions['precision'];
  /** weight dtype on the GPU (default f32) */
  weights?: 'f32' | 'bf16';
}

/** A short name of a variant for reports. */
export function variantName(v: MatmulBenchVariant): string {
  if (v.precision === 'fast') return `fast/${v.weights ?? 'f32'}`;
  return `${v.kernel ?? 'auto'}${v.tileK ? `/k${v.tileK}` : ''}/${v.weights ?? 'f32'}`;
}

/** Times each size: one warm-up, then `repeats` submits of `perSubmit` matmuls each, for one kernel variant. */
export async function benchMatmul(
  gpu: Gpu,
  sizes: MatmulBenchSize[],
  opts: { repeats?: number; perSubmit?: number } & MatmulBenchVariant = {},
): Promise<MatmulBenchResult[]> {
  const variant: MatmulOptions = { kernel: opts.kernel, tileK: opts.tileK, precision: opts.precision };
  const repeats = opts.repeats ?? 5;
  const perSubmit = opts.perSubmit ?? 10;
  const timer = new GpuTimer(gpu);
  const results: MatmulBenchResult[] = [];
  for (const { T, N, K } of sizes) {
    const x = gpu.tensor([T, K], 'bench-x', Float32Array.from({ length: T * K }, (_, i) => ((i * 7) % 13) / 13 - 0.5));
    const w = opts.weights === 'bf16' ? gpu.weight([N, K], 'bf16', 'bench-w') : gpu.tensor([N, K], 'bench-w');
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
    const wBytes = opts.weights === 'bf16' ? 2 : 4;
    results.push({ T, N, K, ms, tflops: (2 * T * N * K) / (ms * 1e-3) / 1e12, gbPerS: ((T * K + T * N) * 4 + N * K * wBytes) / (ms * 1e-3) / 1e9, source, kernel: variantName(opts) });
    for (const t of [x, w, y]) gpu.destroy(t);
  }
  timer.destroy();
  return results;
}
