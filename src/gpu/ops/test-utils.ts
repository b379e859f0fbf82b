// Shared helpers for the op tests: one Gpu per test process, seeded random data, error measures.
import { Gpu } from '../context';
import { testDevice } from '../test-device';

let gpuPromise: Promise<Gpu> | undefined;
export function testGpu(): Promise<Gpu> {
  gpuPromise ??= testDevice().then(({ device }) => new Gpu(device));
  return gpuPromise;
}

/** Deterministic uniform random numbers in [lo, hi) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Max |a - b|; NaN in exactly one side counts as Infinity. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const an = Number.isNaN(a[i]);
    const bn = Number.isNaN(b[i]);
    if (an || bn) {
      if (an !== bn) return Infinity;
      continue;
    }
    if (a[i] === b[i]) continue; // equal infinities
    m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
