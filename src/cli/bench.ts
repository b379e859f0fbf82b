// `npm run bench`: speed of the engine on this machine, side by side for every model.
// Load MB/s (file -> GPU f32), calibration tokens/s, eval tokens/s, export MB/s, peak JS heap.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { openNodeFolder } from '../io/node-files';
import { nodeOutputFolder } from '../io/node-output';
import { openSession } from '../engine/session';
import { parseFlags } from './args';
import { benchDataDir, corpusFile, modelDir } from './bench-data';

const DEFAULT_MODELS = ['stories260K', 'llama-10m', 'qwen2-14m'];

export interface BenchRow {
  model: string;
  weight_mb: number;
  load_mb_s: number;
  calib_tokens: number;
  calib_tokens_s: number;
  eval_tokens: number;
  eval_tokens_s: number;
  export_mb_s: number;
  peak_heap_mb: number;
}

let peakHeap = 0;
function sampleHeap(): void {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}

export async function benchModel(device: GPUDevice, dir: string, calibText: string, evalText: string, samples: number, sampleTokens: number): Promise<BenchRow> {
  peakHeap = 0;
  const timer = setInterval(sampleHeap, 20);
  try {
    const files = await openNodeFolder(dir);
    const t0 = performance.now();
    const s = await openSession(device, files);
    const loadMs = performance.now() - t0;
    const weightBytes = s.summary().weightBytes;
    const cal = await s.calibrate(calibText, { samples, sampleTokens, vocabOrder: 'id', criterion: 'act2', closure: true });
    const t1 = performance.now();
    const ev = await s.evaluate(null, evalText, { tokens: 4096, seq: 256 });
    const evalMs = performance.now() - t1;
    const out = await mkdtemp(join(tmpdir(), 'cs-bench-'));
    const { vocabSize: V, intermediate: I } = s.spec;
    const t2 = performance.now();
    const ex = await s.exportPruned({ vocabKeep: Math.round(V * 0.9), ffnKeep: Math.round(I * 0.9) }, await nodeOutputFolder(out));
    const exportMs = performance.now() - t2;
    await rm(out, { recursive: true, force: true });
    sampleHeap();
    const exportedBytes = ex.files.reduce((a, f) => a + f.size, 0);
    s.dispose();
    return {
      model: dir.split('/').pop()!,
      weight_mb: weightBytes / 1e6,
      load_mb_s: weightBytes / 1e6 / (loadMs / 1000),
      calib_tokens: cal.tokens,
      calib_tokens_s: cal.tokensPerSecond,
      eval_tokens: ev.tokens,
      eval_tokens_s: ev.tokens / (evalMs / 1000),
      export_mb_s: exportedBytes / 1e6 / (exportMs / 1000),
      peak_heap_mb: peakHeap / 1e6,
    };
  } finally {
    clearInterval(timer);
  }
}

export async function runBench(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { models: { type: 'string' }, data: { type: 'string' }, shared: { type: 'string' }, shards: { type: 'string' }, json: { type: 'string' }, samples: { type: 'string' }, 'sample-tokens': { type: 'string' } });
  const data = benchDataDir(f);
  const models = (typeof f.models === 'string' ? f.models.split(',') : DEFAULT_MODELS).map((m) => modelDir(data, m));
  const calibText = await readFile(corpusFile(data, 'wikitext2-test.raw'), 'utf8');
  const evalText = await readFile(corpusFile(data, 'tinystories-heldout.txt'), 'utf8');
  const samples = Number(f.samples ?? 4); // 4 x 512 measures throughput; 16 x 512 is slow on SwiftShader
  const sampleTokens = Number(f['sample-tokens'] ?? 512);
  const gpu = await nodeGpu();
  const rows: BenchRow[] = [];
  for (const dir of models) {
    // a fresh device per model: dispose() destroys it
    const { device, info } = await acquireDevice(gpu);
    if (rows.length === 0) console.log(`device: ${deviceLabel(info)}`);
    rows.push(await benchModel(device, dir, calibText, evalText, samples, sampleTokens));
    const r = rows[rows.length - 1];
    console.log(
      `${r.model.padEnd(14)} weights ${r.weight_mb.toFixed(1).padStart(7)} MB  load ${r.load_mb_s.toFixed(1).padStart(7)} MB/s  ` +
        `calib ${r.calib_tokens_s.toFixed(0).padStart(7)} tok/s  eval ${r.eval_tokens_s.toFixed(0).padStart(7)} tok/s  ` +
        `export ${r.export_mb_s.toFixed(1).padStart(6)} MB/s  peak heap ${r.peak_heap_mb.toFixed(0)} MB`,
    );
  }
  // load memory vs shard count (a fresh device: dispose() destroyed the last one)
  const shardDir = typeof f.shards === 'string' ? f.shards : (models.find((m) => m.endsWith('llama-10m')) ?? models[0]);
  const shards = await benchShards(gpu, shardDir);
  console.log(`load memory vs shards (${shardDir.split('/').pop()}):`);
  for (const r of shards) console.log(`  ${r.files} shard(s): peak JS heap + buffers ${r.peak_mb.toFixed(1)} MB, load ${r.load_ms.toFixed(0)} ms`);
  if (typeof f.json === 'string') await writeFile(f.json, JSON.stringify({ rows, shards }, null, 2));
}

/**
 * Load memory vs shard count: the same weights (an identity export of `dir`) written as
 * 1, 2, 4 and 8 shards; peak JS heap + ArrayBuffer bytes while opening each. The reader
 * streams tensor by tensor, so the peak should follow the largest tensor, not the shards.
 */
export async function benchShards(gpu: GPU, dir: string): Promise<{ shards: number; files: number; peak_mb: number; load_ms: number }[]> {
  const { openCheckpoint } = await import('../io/checkpoint');
  const { wholeTensor, writeSafetensors } = await import('../io/safetensors-writer');
  const { copyFile } = await import('node:fs/promises');
  const src = await openNodeFolder(dir);
  const ckpt = await openCheckpoint(src);
  const rows = [];
  for (const n of [1, 2, 4, 8]) {
    const out = await mkdtemp(join(tmpdir(), `cs-shards-${n}-`));
    const tensors = [...ckpt.entries.values()].map((e) => ({
      name: e.name, dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin, chunks: wholeTensor(() => ckpt.readTensorBytes(e.name)),
    }));
    const { files } = await writeSafetensors(await nodeOutputFolder(out), tensors, { maxShardBytes: n === 1 ? undefined : Math.ceil(ckpt.totalBytes / n) + 1 });
    for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(dir, f), join(out, f)).catch(() => undefined);
    globalThis.gc?.();
    const base = process.memoryUsage();
    let peak = 0;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    }, 5);
    const { device } = await acquireDevice(gpu); // dispose() destroys each session's device
    const t0 = performance.now();
    const s = await openSession(device, await openNodeFolder(out));
    const loadMs = performance.now() - t0;
    clearInterval(timer);
    s.dispose();
    await rm(out, { recursive: true, force: true });
    rows.push({ shards: n, files: files.filter((f) => f.endsWith('.safetensors')).length, peak_mb: peak / 1e6, load_ms: loadMs });
  }
  return rows;
}
