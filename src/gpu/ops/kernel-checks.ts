// Kernel checks against CPU references that run wherever the kernel runs: in Vitest on this
// machine, and through `compact-studio selftest` on GPUs with features this machine lacks (the
// tensor-core matmul needs subgroup matrices). Each check reports its max error and tolerance.
import { decodeToF32 } from '../../io/dtype-decode';
import { encodeFromF32 } from '../../io/dtype-encode';
import type { Gpu } from '../context';
import { matmul, runsFast, type FastKernel } from './matmul';
import { dtypeOf } from '../tensor';

export interface KernelCheck {
  name: string;
  /** max over outputs of |got - ref| / bound, where bound is the stated tolerance for that output */
  worstRatio: number;
  maxAbsDiff: number;
  ok: boolean;
  note: string;
}

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

interface FastCase {
  T: number;
  N: number;
  K: number;
  dtype: 'f32' | 'bf16';
  bias: boolean;
  /** every 7th row multiplied by this: 2e5 overflows f16 (65504), 1e-5 falls into its subnormals */
  rowsTimes?: number;
  /** out starts random and the result is added into it (the fused residual add) */
  accumulate?: boolean;
}

const FAST_CASES: FastCase[] = [
  { T: 130, N: 200, K: 64, dtype: 'bf16', bias: true },
  { T: 256, N: 384, K: 1024, dtype: 'bf16', bias: false },
  { T: 97, N: 77, K: 36, dtype: 'f32', bias: true }, // f32 weights: the exact fallback
  { T: 512, N: 256, K: 512, dtype: 'bf16', bias: false, rowsTimes: 2e5 },
  { T: 256, N: 128, K: 256, dtype: 'bf16', bias: false, rowsTimes: 1e-5 },
  // partial 128x128 tiles in both directions and a K that ends mid-step (K / 4 = 130, steps of 8)
  { T: 520, N: 640, K: 520, dtype: 'bf16', bias: true, accumulate: true },
];

/**
 * Tolerance per output of each tensor-core kernel, times sum_k |x_k w_k|: 'f16' rounds x and w to
 * f16 (4 * 2^-11); 'split' carries x to 22 bits (4 * 2^-22) with bf16 weights exact in f16, plus
 * f32 accumulation over K terms (K * 2^-23, as tensor cores may truncate).
 */
function fastTolerance(kernel: FastKernel, K: number): number {
  return kernel === 'f16' ? 4 * 2 ** -11 : 4 * 2 ** -22 + K * 2 ** -23;
}

/** The tensor-core matmul kernels against an f64 reference; rows scaled far up and down check the range scaling. */
export async function fastMatmulChecks(gpu: Gpu): Promise<KernelCheck[]> {
  const out: KernelCheck[] = [];
  for (const c of FAST_CASES) {
    const r = seeded(c.T * 31 + c.N);
    const x = Float32Array.from({ length: c.T * c.K }, () => r() * 4);
    if (c.rowsTimes) for (let t = 0; t < c.T; t += 7) for (let k = 0; k < c.K; k++) x[t * c.K + k] *= c.rowsTimes;
    const wRaw = Float32Array.from({ length: c.N * c.K }, () => r() * 0.5);
    const wBytes = encodeFromF32(wRaw, c.dtype === 'bf16' ? 'BF16' : 'F32');
    const w = c.dtype === 'bf16' ? decodeToF32(wBytes, 'BF16') : wRaw;
    const bias = Float32Array.from({ length: c.N }, () => r());
    const y0 = c.accumulate ? Float32Array.from({ length: c.T * c.N }, () => r() * 8) : undefined;
    // f64 reference and sum_k |x_k w_k| per output
    const ref = new Float64Array(c.T * c.N);
    const mag = new Float64Array(c.T * c.N);
    for (let t = 0; t < c.T; t++) {
      for (let n = 0; n < c.N; n++) {
        let sum = 0;
        let m = 0;
        for (let k = 0; k < c.K; k++) {
          const p = x[t * c.K + k] * w[n * c.K + k];
          sum += p;
          m += Math.abs(p);
        }
        ref[t * c.N + n] = sum + (c.bias ? bias[n] : 0) + (y0 ? y0[t * c.N + n] : 0);
        mag[t * c.N + n] = m;
      }
    }
    const xt = gpu.tensor([c.T, c.K], 'check x', x);
    const wt = c.dtype === 'bf16' ? gpu.weight([c.N, c.K], 'bf16', 'check w', wBytes) : gpu.tensor([c.N, c.K], 'check w', w);
    const bt = c.bias ? gpu.tensor([c.N], 'check bias', bias) : undefined;
    const tensorCores = runsFast(gpu, c.T, c.K, 'fast', dtypeOf(wt));
    for (const kernel of tensorCores ? (['f16', 'split'] as const) : (['f16'] as const)) {
      const yt = gpu.tensor([c.T, c.N], 'check y', y0);
      const rec = gpu.recorder('fast matmul check');
      matmul(gpu, rec, xt, wt, yt, { bias: bt, precision: 'fast', fastKernel: kernel, accumulate: c.accumulate });
      rec.submit();
      const y = await gpu.read(yt);
      gpu.destroy(yt);
      const tol = fastTolerance(kernel, c.K);
      let worst = 0;
      let maxAbs = 0;
      for (let i = 0; i < y.length; i++) {
        const d = Math.abs(y[i] - ref[i]);
        worst = Math.max(worst, Number.isFinite(d) ? d / (tol * mag[i] + 1e-6) : Infinity);
        maxAbs = Math.max(maxAbs, d);
      }
      out.push({
        name: `fast matmul (${tensorCores ? kernel : 'fallback'}) T=${c.T} N=${c.N} K=${c.K} ${c.dtype}${c.bias ? ' +bias' : ''}${c.accumulate ? ' +=' : ''}${c.rowsTimes ? ` rows x${c.rowsTimes}` : ''}`,
        worstRatio: worst,
        maxAbsDiff: maxAbs,
        ok: worst <= 1,
        note: tensorCores ? 'tensor cores' : c.dtype === 'f32' ? 'exact fallback (f32 weights)' : 'exact fallback (no subgroup matrices here)',
      });
    }
    for (const t of [xt, wt, ...(bt ? [bt] : [])]) gpu.destroy(t);
  }
  return out;
}
