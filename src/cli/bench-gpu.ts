// `compact-studio bench-gpu --model DIR`: engine speed at a model's real shapes, no
// tokenizer needed (random ids), for big GPUs: load MB/s, one calibration pass of
// [samples, seq] (median of reps after warm-ups), eval tokens/s with the LM head and
// fused NLL, and the TFLOP/s of the model's largest matmuls.
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { Gpu } from '../gpu/context';
import { checkFastMatmul } from '../gpu/fast-check';
import { benchMatmul } from '../gpu/bench-matmul';
import { KernelProfiler, type KernelTime } from '../gpu/profiler';
import { GpuTimer } from '../gpu/timer';
import type { Recorder } from '../gpu/context';
import { attention } from '../gpu/ops/attention';
import { openNodeFolder } from '../io/node-files';
import { openModel } from '../model/open';
import { activationScores, type CalibrationPhases } from '../prune/calibration';
import { evaluateIds } from '../eval/perplexity';
import { UsageError, optionalNumber, parseFlags, requireString } from './args';
import { measureLatency } from '../eval/decode';
import type { LoadedModel } from '../model/forward';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Deterministic pseudo-random ids (xorshift32). */
function randomIds(n: number, V: number, seed = 1234): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x % V;
  }
  return out;
}

export async function runBenchGpu(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    model: { type: 'string' }, samples: { type: 'string' }, seq: { type: 'string' }, reps: { type: 'string' }, warmup: { type: 'string' },
    scaling: { type: 'boolean' }, precision: { type: 'string' }, decode: { type: 'boolean' }, profile: { type: 'boolean' }, 'attention-sweep': { type: 'boolean' },
  });
  const precisions = ((f.precision as string | undefined) ?? 'both') === 'both' ? (['exact', 'fast'] as const) : ([f.precision as 'exact' | 'fast'] as const);
  for (const p of precisions) if (p !== 'exact' && p !== 'fast') throw new UsageError(`--precision must be exact, fast or both (got ${String(f.precision)})`);
  const dir = requireString(f, 'model');
  const samples = optionalNumber(f, 'samples', 16, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0');
  const seq = optionalNumber(f, 'seq', 512, (n) => Number.isInteger(n) && n > 1, 'a whole number > 1');
  const reps = optionalNumber(f, 'reps', 5, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0');
  const warmup = optionalNumber(f, 'warmup', 2, (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
  const { device, info } = await acquireDevice(await nodeGpu(), (e) => console.error(`WebGPU error: ${e.message}`));
  const gpu = new Gpu(device);
  await checkFastMatmul(gpu);
  const files = await openNodeFolder(dir);
  const t0 = performance.now();
  const { model, ckpt, plan } = await openModel(gpu, files);
  const activationBytes = plan.activationBytes;
  const loadS = (performance.now() - t0) / 1000;
  const spec = model.spec;
  const T = samples * seq;
  const ids = randomIds(T, spec.vocabSize);
  // COMPACT's mask: tokens kept in the pruned vocabulary (here: ids below 70% of V, as the PyTorch script)
  const mask = new Uint8Array(spec.vocabSize);
  mask.fill(1, 0, Math.floor(spec.vocabSize * 0.7));
  const cal = { ids, samples, seqLen: seq };
  // calibration in each precision, same run (fast falls back to exact where there are no tensor cores)
  const calibByPrecision: Record<string, { ms: number; all: number[]; ran: string; phases: CalibrationPhases }> = {};
  for (const precision of precisions) {
    const m: LoadedModel = { ...model, precision };
    const all: number[] = [];
    const phases: CalibrationPhases = { buffers: 0, record: 0, wait: 0, read: 0 };
    // passes after the first reuse its buffers, as PyTorch's caching allocator does (warm-ups fill it)
    await gpu.withBufferReuse(async () => {
      for (let i = 0; i < warmup + reps; i++) {
        const s = performance.now();
        const p: CalibrationPhases = { buffers: 0, record: 0, wait: 0, read: 0 };
        await activationScores(gpu, m, cal, mask, { activationBytes, phases: p });
        if (i >= warmup) {
          all.push(performance.now() - s);
          for (const k of Object.keys(phases) as (keyof CalibrationPhases)[]) phases[k] += p[k] / reps; // mean ms per pass
        }
      }
    });
    calibByPrecision[precision] = { ms: median(all), all, ran: precision === 'fast' && !gpu.hasFastMatmul ? 'exact (no subgroup matrices)' : precision, phases };
  }
  // the session's calibration pass as it runs in a prune: the FFN statistics and, after the last
  // layer, the predicted token mass (the LM head twice: log-softmax, then probabilities). PyTorch's
  // pass computes its logits once; the pass above stops before the head.
  const withMass: number[] = [];
  await gpu.withBufferReuse(async () => {
    for (let i = 0; i < warmup + reps; i++) {
      const s = performance.now();
      await activationScores(gpu, { ...model, precision: 'exact' }, cal, null, { activationBytes, withMass: true });
      if (i >= warmup) withMass.push(performance.now() - s);
    }
  });
  // --profile: one more calibration pass per precision with every dispatch timed on its own (where the time goes)
  const profiles: Record<string, { total_ms: number; dropped: number; kernels: KernelTime[] }> = {};
  if (f.profile && gpu.hasTimestamps) {
    for (const precision of precisions) {
      const profiler = new KernelProfiler(gpu, 2048);
      gpu.profiler = profiler;
      try {
        await activationScores(gpu, { ...model, precision }, cal, mask, { activationBytes });
      } finally {
        gpu.profiler = null;
      }
      const kernels = await profiler.collect();
      profiles[precision] = { total_ms: kernels.reduce((a, k) => a + k.ms, 0), dropped: profiler.dropped, kernels: kernels.slice(0, 30) };
      profiler.destroy();
    }
  }
  const calibMs = calibByPrecision[precisions[0]].all;
  const evalMs: number[] = [];
  for (let i = 0; i < Math.max(1, warmup) + reps; i++) {
    const s = performance.now();
    await evaluateIds(gpu, model, ids, () => 1, { maxTokens: T, seq, bosId: null, activationBytes });
    if (i >= Math.max(1, warmup)) evalMs.push(performance.now() - s);
  }
  const { hidden: D, intermediate: I, vocabSize: V, heads: H, kvHeads: K, headDim: E, layers: L } = spec;
  // matmul FLOPs of one calibration pass (no LM head), attention excluded as in the PyTorch script
  const layerWeights = D * (H * E + 2 * K * E) + H * E * D + 3 * D * I;
  const calibFlops = 2 * T * L * layerWeights;
  const evalFlops = calibFlops + 2 * T * V * D;
  // with the weights in the dtype the pass reads them in (bf16 models keep bf16 on the GPU)
  const weights = model.source.resident?.layers[0]?.gate?.dtype === 'bf16' ? 'bf16' : 'f32';
  const mm = await benchMatmul(
    gpu,
    [
      { T, N: I, K: D },
      { T, N: D, K: I },
      { T: 512, N: Math.min(V, 65536), K: D },
    ],
    { weights },
  );
  // --attention-sweep: the prefill attention kernel at this model's shape over [samples, seq], per tile choice
  const attentionSweep: { keysPerBlock: number; queriesPerBlock: number; ms: number }[] = [];
  if (f['attention-sweep']) {
    const timer = new GpuTimer(gpu);
    const q = gpu.tensor([T, H * E], 'sweep q', Float32Array.from({ length: T * H * E }, (_, i) => ((i * 7) % 13) / 13 - 0.5));
    const k = gpu.tensor([T, K * E], 'sweep k', Float32Array.from({ length: T * K * E }, (_, i) => ((i * 5) % 11) / 11 - 0.5));
    const out = gpu.tensor([T, H * E], 'sweep out');
    for (const queriesPerBlock of [64, 128]) {
      for (const keysPerBlock of [8, 16, 32]) {
        const run = (rec: Recorder) => {
          for (let i = 0; i < 5; i++) attention(gpu, rec, q, k, k, out, { heads: H, kvHeads: K, headDim: E, seqLen: seq, scale: spec.attnScale, keysPerBlock, queriesPerBlock });
        };
        await timer.time(run);
        const times = [];
        for (let r = 0; r < 3; r++) times.push((await timer.time(run)).ms / 5);
        attentionSweep.push({ keysPerBlock, queriesPerBlock, ms: median(times) });
      }
    }
    for (const t of [q, k, out]) gpu.destroy(t);
    timer.destroy();
  }
  // decode's matvec over bf16 weights: GB/s against the HBM (the weights dominate the bytes)
  const matvec = await benchMatmul(
    gpu,
    [
      { T: 1, N: 8192, K: 2048 },
      { T: 1, N: I, K: D },
      { T: 1, N: V, K: D },
    ],
    { weights: 'bf16', repeats: 5, perSubmit: 20 },
  );
  // how calibration cost grows with tokens: 4 sizes, [n, seq] each, median of `reps`
  const scaling: { tokens: number; ms: number; tokens_s: number }[] = [];
  if (f.scaling) {
    for (const n of [samples / 8, samples / 4, samples / 2, samples].filter((n) => Number.isInteger(n) && n >= 1)) {
      const part = { ids: ids.subarray(0, n * seq), samples: n, seqLen: seq };
      const times: number[] = [];
      for (let i = 0; i < reps + 1; i++) {
        const s = performance.now();
        await activationScores(gpu, model, part, mask, { activationBytes });
        if (i > 0) times.push(performance.now() - s);
      }
      const ms = median(times);
      scaling.push({ tokens: n * seq, ms, tokens_s: ((n * seq) / ms) * 1000 });
    }
  }
  const calib = median(calibMs);
  const ev = median(evalMs);
  const latency = f.decode ? await measureLatency(gpu, model) : null;
  const result = {
    model: dir.split('/').filter(Boolean).pop(),
    device: deviceLabel(info),
    params: [...ckpt.entries.values()].reduce((a, e) => a + e.shape.reduce((x, y) => x * y, 1), 0),
    weight_bytes: ckpt.totalBytes,
    load_s: loadS,
    load_mb_s: ckpt.totalBytes / 1e6 / loadS,
    batch: [samples, seq],
    calib_ms: calib,
    calib_tokens_s: (T / calib) * 1000,
    calib_tflop_s: calibFlops / (calib / 1000) / 1e12,
    eval_ms: ev,
    eval_tokens_s: (T / ev) * 1000,
    eval_tflop_s: evalFlops / (ev / 1000) / 1e12,
    matmuls: mm.map((r) => ({ T: r.T, N: r.N, K: r.K, weights, ms: r.ms, tflop_s: r.tflops })),
    matvec_bf16: matvec.map((r) => ({ N: r.N, K: r.K, ms: r.ms, gb_s: r.gbPerS })),
    profile: f.profile ? profiles : undefined,
    attention_sweep: f['attention-sweep'] ? attentionSweep : undefined,
    calib_ms_all: calibMs,
    calib_with_mass_exact: { ms: median(withMass), all: withMass, tokens_s: (T / median(withMass)) * 1000 },
    calib_by_precision: Object.fromEntries(Object.entries(calibByPrecision).map(([p, c]) => [p, { ms: c.ms, tokens_s: (T / c.ms) * 1000, tflop_s: calibFlops / (c.ms / 1000) / 1e12, ran: c.ran, all: c.all, phases_ms: c.phases }])),
    latency,
    scaling,
  };
  console.log(JSON.stringify(result));
  device.destroy();
}
