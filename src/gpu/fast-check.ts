// A one-time self-check of the tensor-core matmul on this device before fast mode is used: a
// driver may compile the kernel differently, or refuse it. Compares a small fast matmul with the
// exact one; on an error or a wrong result fast mode is switched off with the reason.
import type { Gpu } from './context';
import { matmul } from './ops/matmul';
import { encodeFromF32 } from '../io/dtype-encode';

const checked = new WeakMap<Gpu, Promise<void>>();

export function checkFastMatmul(gpu: Gpu): Promise<void> {
  let p = checked.get(gpu);
  if (!p) {
    p = run(gpu);
    checked.set(gpu, p);
  }
  return p;
}

async function run(gpu: Gpu): Promise<void> {
  if (!gpu.hasFastMatmul) return;
  const [T, N, K] = [80, 48, 64]; // edges on both tile dimensions
  const x = Float32Array.from({ length: T * K }, (_, i) => (((i * 37) % 17) - 8) / 8);
  const w = Float32Array.from({ length: N * K }, (_, i) => (((i * 29) % 13) - 6) / 16);
  const xt = gpu.tensor([T, K], 'fast check x', x);
  const wt = gpu.weight([N, K], 'bf16', 'fast check w', encodeFromF32(w, 'BF16')); // fast mode takes 16-bit weights
  const a = gpu.tensor([T, N], 'fast check exact');
  const b = gpu.tensor([T, N], 'fast check fast');
  gpu.device.pushErrorScope('validation');
  const rec = gpu.recorder('fast matmul self-check');
  matmul(gpu, rec, xt, wt, a, { precision: 'exact' });
  matmul(gpu, rec, xt, wt, b, { precision: 'fast' });
  rec.submit();
  const error = await gpu.device.popErrorScope();
  try {
    if (error) {
      gpu.fastProblem = `the tensor-core kernel failed on this device (${error.message.split('\n')[0]})`;
      return;
    }
    const [ra, rb] = [await gpu.read(a), await gpu.read(b)];
    let worst = 0;
    for (let i = 0; i < ra.length; i++) worst = Math.max(worst, Math.abs(ra[i] - rb[i]));
    // the inputs are exact in bf16 and f16 (multiples of 1/16 and 1/8 below 2): only f32 summation order differs
    if (!(worst <= 1e-3)) gpu.fastProblem = `the tensor-core kernel gave wrong results on this device (max |diff| ${worst})`;
  } finally {
    for (const t of [xt, wt, a, b]) gpu.destroy(t);
  }
}
