// `compact-studio bench-matmul [--reps 5] [--per-submit 10] [--scale 1]`: f32 matmul TFLOP/s at calibration
// shapes (y[T, N] = x[T, K] w[N, K]^T) for each kernel variant in one run, plus max |diff| of the
// 128x128 kernel against the 64x64 one on the GPU. Prints one JSON object. --scale S divides every
// dimension by S (a quick smoke run on SwiftShader).
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { Gpu } from '../gpu/context';
import { checkFastMatmul } from '../gpu/fast-check';
import { benchMatmul, type MatmulBenchSize, type MatmulBenchVariant } from '../gpu/bench-matmul';
import { matmul, chooseMatmulKernel, type MatmulOptions } from '../gpu/ops/matmul';
import { optionalNumber, parseFlags } from './args';
import { encodeFromF32 } from '../io/dtype-encode';

const SHAPES: MatmulBenchSize[] = [
  { T: 8192, N: 8192, K: 2048 }, // Llama-3.2-1B gate/up
  { T: 8192, N: 2048, K: 8192 }, // its down
  { T: 8192, N: 4864, K: 896 }, // Qwen2.5-0.5B gate/up
  { T: 8192, N: 896, K: 4864 }, // its down (the narrow one)
  { T: 8192, N: 14336, K: 4096 }, // Llama-3.1-8B gate/up
  { T: 8192, N: 4096, K: 14336 }, // its down
  { T: 512, N: 65536, K: 2048 }, // an LM-head chunk
  { T: 512, N: 896, K: 896 },
];

// (measured on the H200 and dropped from the list: tile64 and f32 weights, 20-25% slower; K step 16, 33% slower)
const VARIANTS: MatmulBenchVariant[] = [
  { kernel: 'tile128', tileK: 8, weights: 'bf16' },
  { precision: 'fast', weights: 'bf16' },
  { precision: 'fast', fastKernel: 'split', weights: 'bf16' },
];

/** Max |a - b| of two kernels' outputs for one shape, and the output scale. */
async function kernelDiff(gpu: Gpu, { T, N, K }: MatmulBenchSize, a0: MatmulOptions, b0: MatmulOptions): Promise<{ maxAbsDiff: number; maxAbs: number }> {
  const fill = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 7919 + seed) % 1009) / 1009 - 0.5));
  const x = gpu.tensor([T, K], 'diff-x', fill(T * K, 1));
  const w = gpu.weight([N, K], 'bf16', 'diff-w', encodeFromF32(fill(N * K, 2), 'BF16')); // bf16: what fast mode takes
  const a = gpu.tensor([T, N], 'diff-a');
  const b = gpu.tensor([T, N], 'diff-b');
  const rec = gpu.recorder();
  matmul(gpu, rec, x, w, a, a0);
  matmul(gpu, rec, x, w, b, b0);
  rec.submit();
  const [ra, rb] = [await gpu.read(a), await gpu.read(b)];
  let maxAbsDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < ra.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ra[i] - rb[i]));
    maxAbs = Math.max(maxAbs, Math.abs(ra[i]));
  }
  for (const t of [x, w, a, b]) gpu.destroy(t);
  return { maxAbsDiff, maxAbs };
}

export async function runBenchMatmul(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { reps: { type: 'string' }, 'per-submit': { type: 'string' }, scale: { type: 'string' }, shapes: { type: 'string' } });
  const scale = optionalNumber(f, 'scale', 1, (n) => [1, 2, 4, 8, 16].includes(n), 'one of 1, 2, 4, 8, 16');
  // --shapes 0,3: a subset by index (keeps a GPU-machine run short)
  const picked = f.shapes === undefined ? SHAPES : String(f.shapes).split(',').map((i) => SHAPES[Number(i)]).filter(Boolean);
  const shapes = picked.map(({ T, N, K }) => ({ T: T / scale, N: N / scale, K: K / scale }));
  const repeats = optionalNumber(f, 'reps', 5, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0');
  const perSubmit = optionalNumber(f, 'per-submit', 10, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0');
  const { device, info } = await acquireDevice(await nodeGpu(), (e) => console.error(`WebGPU error: ${e.message}`));
  const gpu = new Gpu(device);
  await checkFastMatmul(gpu);
  const results = [];
  for (const v of VARIANTS) {
    if (v.precision === 'fast' && !gpu.hasFastMatmul) continue;
    const r = await benchMatmul(gpu, shapes, { repeats, perSubmit, ...v });
    for (const x of r) console.error(`bench-matmul ${x.kernel} ${x.T}x${x.N}x${x.K}: ${x.tflops.toFixed(1)} TFLOP/s (${x.ms.toFixed(3)} ms)`); // partial results survive a timeout
    results.push(...r);
  }
  const pairs: [string, MatmulOptions, MatmulOptions][] = [
    ['tile64 vs tile128', { kernel: 'tile64' }, { kernel: 'tile128' }],
    ...(gpu.hasFastMatmul
      ? ([
          ['exact vs fast (f16)', { kernel: 'tile128' }, { precision: 'fast' }],
          ['exact vs fast (split)', { kernel: 'tile128' }, { precision: 'fast', fastKernel: 'split' }],
        ] as [string, MatmulOptions, MatmulOptions][])
      : []),
  ];
  const check = [];
  for (const [name, a, b] of pairs) for (const shape of new Set([shapes[0], shapes[3] ?? shapes[shapes.length - 1]])) check.push({ name, shape, ...(await kernelDiff(gpu, shape, a, b)) });
  const auto = shapes.map((s) => ({ ...s, kernel: chooseMatmulKernel(s.T, s.N) }));
  console.log(JSON.stringify({ device: deviceLabel(info), toggles: process.env.COMPACT_DAWN_TOGGLES ?? 'default', fast: gpu.hasFastMatmul, subgroupSize: gpu.subgroupSize, results, check, auto }));
  device.destroy();
}
