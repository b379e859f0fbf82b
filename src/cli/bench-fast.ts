// `compact-studio bench-fast`: how close fast mode's selections come to exact mode's. For each
// model and reduction (FFN-only and a half vocabulary / half FFN split, common-act2), calibrate in
// exact and in fast mode, then compare the kept FFN channels and the bits per byte of the two
// pruned models (both evaluated in exact mode). Prints one JSON line per model.
import { readFile } from 'node:fs/promises';
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { openNodeFolder } from '../io/node-files';
import { openSession } from '../engine/session';
import { utf8Prefix } from '../eval/windows';
import { budgetSplits } from '../prune/params';
import { weightTable } from '../model/weights';
import { UsageError, optionalNumber, parseFlags, requireString } from './args';
import type { PruneSelection } from '../prune/pruned-model';

export async function runBenchFast(argv: string[]): Promise<void> {
  const f = parseFlags(argv, { models: { type: 'string' }, calib: { type: 'string' }, text: { type: 'string' }, reductions: { type: 'string' }, 'eval-bytes': { type: 'string' }, samples: { type: 'string' } });
  const models = requireString(f, 'models').split(',');
  const calib = await readFile(requireString(f, 'calib'), 'utf8');
  // the comparison span of the quality protocol: the first 64 KiB (--eval-bytes: less, for a smoke run)
  const text = utf8Prefix(await readFile(requireString(f, 'text'), 'utf8'), optionalNumber(f, 'eval-bytes', 65536, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0'));
  const samples = optionalNumber(f, 'samples', 16, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0');
  const reductions = ((f.reductions as string | undefined) ?? '10,20,30,40,50').split(',').map(Number);
  if (reductions.some((r) => !(r > 0 && r < 100))) throw new UsageError('--reductions: percentages between 0 and 100, e.g. 10,20,30');
  const { device, info } = await acquireDevice(await nodeGpu(), (e) => console.error(`WebGPU error: ${e.message}`));
  for (const dir of models) {
    const s = await openSession(device, await openNodeFolder(dir));
    if (!s.gpu.hasFastMatmul) console.error('bench-fast: this adapter has no subgroup matrices; fast mode falls back to exact');
    const base = { samples, sampleTokens: 512, vocabOrder: 'frequency', criterion: 'common-act2', closure: true } as const;
    const table = weightTable(s.spec, new Set(s.ckpt.entries.keys()));
    const total = s.summary().params.total;
    const cases: { r: number; share: number; vocabKeep: number; ffnKeep: number }[] = [];
    const { minVocab } = await s.calibrate(calib, { ...base, mode: 'exact' });
    for (const r of reductions) {
      for (const split of budgetSplits(table, s.spec.vocabSize, s.spec.intermediate, minVocab, Math.round(total * (1 - r / 100)), [0, 0.5])) {
        cases.push({ r, share: split.share, vocabKeep: split.vocabKeep, ffnKeep: split.ffnKeep });
      }
    }
    const exact: PruneSelection[] = [];
    for (const c of cases) exact.push((await s.selection(c)).sel);
    const calFast = await s.calibrate(calib, { ...base, mode: 'fast' });
    const fast: PruneSelection[] = [];
    for (const c of cases) fast.push((await s.selection(c)).sel);
    const rows = [];
    for (let i = 0; i < cases.length; i++) {
      let same = 0;
      let all = 0;
      exact[i].keptFfn.forEach((k, l) => {
        const f2 = new Set(fast[i].keptFfn[l]);
        for (const j of k) if (f2.has(j)) same++;
        all += k.length;
      });
      const bE = (await s.evaluateSelection(exact[i], text, { tokens: Infinity, seq: 256 })).bits_per_byte;
      const bF = (await s.evaluateSelection(fast[i], text, { tokens: Infinity, seq: 256 })).bits_per_byte;
      rows.push({ ...cases[i], channels_same: same / all, bpb_exact: bE, bpb_fast: bF, bpb_diff: bF - bE });
    }
    console.log(JSON.stringify({ model: dir.split('/').filter(Boolean).pop(), device: deviceLabel(info), fast_mode: calFast.mode, note: calFast.modeNote, min_channels_same: Math.min(...rows.map((r) => r.channels_same)), max_abs_bpb_diff: Math.max(...rows.map((r) => Math.abs(r.bpb_diff))), rows }));
    s.gpu.device.destroy = () => {}; // the next model reuses this device
    s.dispose();
  }
  device.destroy();
}
