// `compact-studio bench-export --model DIR [--out DIR] [--reps 3] [--vocab-ratio 0.75] [--ffn-ratio 0.75]`:
// the export's speed against a plain copy of the same safetensors on the same disk, in one run, no GPU.
// The prune keeps vocabulary rows and FFN channels spread evenly over each axis (the mix of row
// gathers and strided column gathers a real selection makes). The copy reads and writes 64 MiB
// pieces through the export's file sink (background flushes, a sync before close); both are
// measured warm (the model's files read once before the first rep), and only one of their
// outputs is on disk at a time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectModel } from '../model/open';
import { openNodeFolder } from '../io/node-files';
import { nodeOutputFolder } from '../io/node-output';
import { exportPrunedWeights, EXPORT_CHUNK_BYTES } from '../prune/export';
import type { PruneSelection } from '../prune/pruned-model';
import type { ModelFiles } from '../io/source';
import { optionalNumber, parseFlags, requireString } from './args';

/** `keep` of `n` ids, spread evenly (ascending): the gather pattern of a real selection. */
export function spreadIds(n: number, keep: number): Uint32Array {
  const out = new Uint32Array(keep);
  for (let i = 0; i < keep; i++) out[i] = Math.floor((i * n) / keep);
  return out;
}

/** Copies the checkpoint's shards byte for byte into `dir` in 64 MiB pieces, through the export's own
 *  file sink (the same background flushes and the sync before close). */
async function plainCopy(files: ModelFiles, shards: string[], dir: string): Promise<number> {
  const out = await nodeOutputFolder(dir);
  let bytes = 0;
  for (const name of shards) {
    const src = files.get(name)!;
    const sink = await out.create(name);
    for (let at = 0; at < src.size; at += EXPORT_CHUNK_BYTES) {
      const chunk = await src.read(at, Math.min(src.size, at + EXPORT_CHUNK_BYTES));
      await sink.write(chunk);
      bytes += chunk.length;
    }
    await sink.close();
  }
  return bytes;
}

export async function runBenchExport(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { model: { type: 'string' }, out: { type: 'string' }, reps: { type: 'string' }, 'vocab-ratio': { type: 'string' }, 'ffn-ratio': { type: 'string' } });
  const modelDir = requireString(f, 'model');
  const reps = optionalNumber(f, 'reps', 3, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1');
  const vocabRatio = optionalNumber(f, 'vocab-ratio', 0.75, (r) => r > 0 && r <= 1, 'in (0, 1]');
  const ffnRatio = optionalNumber(f, 'ffn-ratio', 0.75, (r) => r > 0 && r <= 1, 'in (0, 1]');
  const files = await openNodeFolder(modelDir);
  const { spec, ckpt } = await inspectModel(files);
  const sel: PruneSelection = {
    keptVocab: spreadIds(spec.vocabSize, Math.round(spec.vocabSize * vocabRatio)),
    keptFfn: Array.from({ length: spec.layers }, () => spreadIds(spec.intermediate, Math.round(spec.intermediate * ffnRatio))),
  };
  const base = typeof f.out === 'string' ? f.out : tmpdir();
  for (const name of ckpt.shardNames) {
    const src = files.get(name)!; // one read of every shard warms the page cache
    for (let at = 0; at < src.size; at += EXPORT_CHUNK_BYTES) await src.read(at, Math.min(src.size, at + EXPORT_CHUNK_BYTES));
  }
  const rows: { rep: number; copy_s: number; copy_gb_s: number; export_s: number; export_read_gb_s: number; export_write_gb_s: number }[] = [];
  const cleanup: string[] = [];
  try {
    for (let rep = 0; rep < reps; rep++) {
      // one output on disk at a time (an 8B model's copy and export together need 28 GB)
      const copyDir = await mkdtemp(join(base, 'cs-copy-'));
      cleanup.push(copyDir);
      let t = performance.now();
      const copied = await plainCopy(files, ckpt.shardNames, copyDir);
      const copyS = (performance.now() - t) / 1000;
      await rm(copyDir, { recursive: true, force: true });
      const exportDir = await mkdtemp(join(base, 'cs-export-'));
      cleanup.push(exportDir);
      t = performance.now();
      const { files: written } = await exportPrunedWeights(spec, ckpt, sel, await nodeOutputFolder(exportDir));
      const exportS = (performance.now() - t) / 1000;
      const writtenBytes = written.reduce((a, w) => a + w.size, 0);
      rows.push({ rep, copy_s: copyS, copy_gb_s: copied / 1e9 / copyS, export_s: exportS, export_read_gb_s: ckpt.totalBytes / 1e9 / exportS, export_write_gb_s: writtenBytes / 1e9 / exportS });
      await rm(exportDir, { recursive: true, force: true });
    }
  } finally {
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
  }
  const best = (k: 'copy_s' | 'export_s') => Math.min(...rows.map((r) => r[k]));
  console.log(JSON.stringify({
    model: modelDir,
    weight_bytes: ckpt.totalBytes,
    kept: { vocab: sel.keptVocab.length, ffn: sel.keptFfn[0].length },
    rows,
    best: { copy_s: best('copy_s'), export_s: best('export_s'), export_vs_copy: best('copy_s') / best('export_s') },
  }, null, 2));
}
