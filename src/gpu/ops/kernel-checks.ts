// Kernel checks against CPU references that run wherever the kernel runs: in Vitest on this
// machine, and through `compact-studio selftest` on GPUs with features this machine lacks (the
// tensor-core matmul needs subgroup matrices). Each check reports its max error and tolerance.
import { decodeToF32 } from '../../io/dtype-decode';
import { encodeFromF32 } from '../../io/dtype-encode';
import type { Gpu } from '../context';
import { matmul, runsFast } from './matmul';

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
  /** rows scaled to reach this magnitude (f16 overflows above 65504) */
  bigRows?: number;
}

const FAST_CASES: FastCase[] = [
  { T: 130, N: 200, K: 64, dtype: 'bf16', bias: true },
  { T: 256, N: 384, K: 1024, dtype: 'bf16', bias: false },
  { T: 97, N: 77, K: 36, dtype: 'f32', bias: true },
  { T: 512, N: 256, K: 512, dtype: 'bf16', bias: false, bigRows: 2e5 },
];

/**
 * The tensor-core matmul against an f64 reference. Tolerance per output: 4 * 2^-11 * sum_k |x_k w_k|
 * (f16 rounding of both inputs, f32 accumulation); rows scaled to 2e5 check the range scaling.
 */
export async function fastMatmulChecks(gpu: Gpu): Promise<KernelCheck[]> {
  const out: KernelCheck[] = [];
  for (const c of FAST_CASES) {
    const r = seeded(c.T * 31 + c.N);
    const x = Float32Array.from({ length: c.T * c.K }, () => r() * 4);
    if (c.bigRows) for (let t = 0; t < c.T; t += 7) for (let k = 0; k < c.K; k++) x[t * c.K + k] *= c.bigRows;
    const wRaw = Float32Array.from({ length: c.N * c.K }, () => r() * 0.5);
    const wBytes = encodeFromF32(wRaw, c.dtype === 'bf16' ? 'BF16' : 'F32');
    const w = c.dtype === 'bf16' ? decodeToF32(wBytes, 'BF16') : wRaw;
    const bias = Float32Array.from({ length: c.N }, () => r());
    const xt = gpu.tensor([c.T, c.K], 'check x', x);
    const wt = c.dtype === 'bf16' ? gpu.weight([c.N, c.K], 'bf16', 'check w', wBytes) : gpu.tensor([c.N, c.K], 'check w', w);
    const bt = c.bias ? gpu.tensor([c.N], 'check bias', bias) : undefined;
    const yt = gpu.tensor([c.T, c.N], 'check y');
    const rec = gpu.recorder('fast matmul check');
    matmul(gpu, rec, xt, wt, yt, { bias: bt, precision: 'fast' });
    rec.submit();
    const y = await gpu.read(yt);
    let worst = 0;
    let maxAbs = 0;
    for (let t = 0; t < c.T; t++) {
      for (let n = 0; n < c.N; n++) {
        let ref = 0;
        let mag = 0;
        for (let k = 0; k < c.K; k++) {
          const p = x[t * c.K + k] * w[n * c.K + k];
          ref += p;
          mag += Math.abs(p);
        }
        if (c.bias) ref += bias[n];
        const d = Math.abs(y[t * c.N + n] - ref);
        const bound = 4 * 2 ** -11 * mag + 1e-6;
        worst = Math.max(worst, Number.isFinite(d) ? d / bound : Infinity);
        maxAbs = Math.max(maxAbs, d);
      }
    }
    for (const t of [xt, wt, yt, ...(bt ? [bt] : [])]) gpu.destroy(t);
    out.push({
      name: `fast matmul T=${c.T} N=${c.N} K=${c.K} ${c.dtype}${c.bias ? ' +bias' : ''}${c.bigRows ? ` rows x${c.bigRows}` : ''}`,
      worstRatio: worst,
      maxAbsDiff: maxAbs,
      ok: worst <= 1,
      note: runsFast(gpu, c.T, c.K, 'fast') ? 'tensor cores' : 'exact fallback (no subgroup matrices here)',
    });
  }
  return out;
}
