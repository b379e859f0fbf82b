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
  fastKernel?: MatmulOptions['fastKernel'];
  /** weight dtype on the GPU (default f32) */
  weights?: 'f32' | 'bf16';
  /** out += x w^T (the fused residual add's pipeline) */
  accumulate?: boolean;
  /** random weights instead of zeros (whether the values change the speed) */
  randomWeights?: boolean;
}

/** A short name of a variant for reports. */
export function variantName(v: MatmulBenchVariant): string {
  const extra = `${v.accumulate ? '/acc' : ''}${v.randomWeights ? '/random' : ''}`;
  if (v.precision === 'fast') return `fast-${v.fastKernel ?? 'f16'}/${v.weights ?? 'f32'}${extra}`;
  return `${v.kernel ?? 'auto'}${v.tileK ? `/k${v.tileK}` : ''}/${v.weights ?? 'f32'}${extra}`;
}

/** w [N, K] for a benchmark: zeros, or uniform in [-0.05, 0.05) (bf16: the top halves of f32 bit patterns). */
function benchWeights(gpu: Gpu, N: number, K: number, v: MatmulBenchVariant) {
  if (!v.randomWeights) return v.weights === 'bf16' ? gpu.weight([N, K], 'bf16', 'bench-w') : gpu.tensor([N, K], 'bench-w');
  const random = new Float32Array(N * K); // filled in place: no intermediate arrays at 58 M elements
  for (let i = 0; i < random.length; i++) random[i] = (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5) * 0.1;
  if (v.weights !== 'bf16') return gpu.tensor([N, K], 'bench-w', random);
  const bits = new Uint32Array(random.buffer);
  const bf16 = new Uint16Array(N * K);
  for (let i = 0; i < bf16.length; i++) bf16[i] = bits[i] >>> 16;
  return gpu.weight([N, K], 'bf16', 'bench-w', new Uint8Array(bf16.buffer));
}

/** Times each size: one warm-up, then `repeats` submits of `perSubmit` matmuls each, for one kernel variant. */
export async function benchMatmul(
  gpu: Gpu,
  sizes: MatmulBenchSize[],
  opts: { repeats?: number; perSubmit?: number } & MatmulBenchVariant = {},
): Promise<MatmulBenchResult[]> {
  const variant: MatmulOptions = { kernel: opts.kernel, tileK: opts.tileK, precision: opts.precision, fastKernel: opts.fastKernel, accumulate: opts.accumulate };
  const repeats = opts.repeats ?? 5;
  const perSubmit = opts.perSubmit ?? 10;
  const timer = new GpuTimer(gpu);
  const results: MatmulBenchResult[] = [];
  for (const { T, N, K } of sizes) {
    const x = gpu.tensor([T, K], 'bench-x', Float32Array.from({ length: T * K }, (_, i) => ((i * 7) % 13) / 13 - 0.5));
    const w = benchWeights(gpu, N, K, opts);
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
