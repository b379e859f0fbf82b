// `npm run bench:quality`: pruning quality against baselines and the PyTorch anchors
// (issue 5). Writes a JSON of every cell, a markdown table per model, and a chart per
// model (SVG, plus PNG when rsvg-convert or ImageMagick is on the PATH).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { openNodeFolder } from '../io/node-files';
import { openSession } from '../engine/session';
import { utf8Prefix } from '../eval/windows';
import { parseAnchors, type AnchorModel } from '../bench/anchors';
import { lineChartSvg, seriesOf } from '../bench/chart-svg';
import { METHODS, methodsByName, parseReductions } from '../bench/grid';
import { PROTOCOL, runModelQuality, type ModelQuality } from '../bench/quality';
import { modelMarkdown, targetMarkdown } from '../bench/report';
import { UsageError, optionalNumber, parseFlags } from './args';
import { benchDataDir, benchReferenceDir, corpusFile, modelDir } from './bench-data';

export const BENCH_QUALITY_USAGE = `  bench-quality [--models NAME|DIR,...] [--reductions 10,20,30,40,50] [--methods compact,...]
         [--data DIR] [--reference DIR] [--out-json FILE] [--out-md FILE] [--charts DIR] [--eval-bytes N] [--select-bytes N]
         [--samples 16] [--sample-tokens 512]
         pruning quality vs baselines and the PyTorch reference (BENCHMARKS.md); --data DIR holds
         models/<name>/ and corpora/ (default ../shared when it exists), --reference DIR the
         reference's quality-<model>.json (default bench/reference). The target methods choose on
         the --select-bytes (65536) of tinystories-heldout.txt after the evaluation span`;

async function readOrExplain(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${what} at ${path}: give --data DIR (the folder with models/ and corpora/)`);
  }
}

/** PNG beside the SVG through rsvg-convert or ImageMagick; returns the tool used, or null. */
function svgToPng(svg: string, png: string): string | null {
  for (const [tool, args] of [['rsvg-convert', ['-o', png, svg]], ['magick', [svg, png]]] as const) {
    const r = spawnSync(tool, args, { stdio: 'ignore' });
    if (r.status === 0 && existsSync(png)) return tool;
  }
  return null;
}

export async function runBenchQuality(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    models: { type: 'string' }, reductions: { type: 'string' }, methods: { type: 'string' }, data: { type: 'string' }, shared: { type: 'string' }, reference: { type: 'string' },
    'out-json': { type: 'string' }, 'out-md': { type: 'string' }, charts: { type: 'string' }, 'eval-bytes': { type: 'string' }, 'select-bytes': { type: 'string' }, samples: { type: 'string' }, 'sample-tokens': { type: 'string' },
  });
  const data = benchDataDir(f);
  const reference = benchReferenceDir(f);
  const names = typeof f.models === 'string' ? f.models.split(',') : ['stories260K', 'llama-10m', 'qwen2-14m'];
  const dirs = names.map((n) => modelDir(data, n));
  let reductions: number[];
  try {
    reductions = parseReductions(typeof f.reductions === 'string' ? f.reductions : '10,20,30,40,50');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let methods = METHODS;
  try {
    if (typeof f.methods === 'string') methods = methodsByName(f.methods.split(','));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const evalBytes = optionalNumber(f, 'eval-bytes', PROTOCOL.evalBytes, (n) => Number.isInteger(n) && n > 1000, 'a whole number of bytes > 1000');
  const outJson = typeof f['out-json'] === 'string' ? f['out-json'] : 'docs/bench/quality.json';
  const outMd = typeof f['out-md'] === 'string' ? f['out-md'] : 'docs/bench/quality.md';
  const charts = typeof f.charts === 'string' ? f.charts : 'docs/bench';

  const calibText = await readOrExplain(corpusFile(data, 'wikitext2-test.raw'), 'the calibration text');
  const stories = await readOrExplain(corpusFile(data, 'tinystories-heldout.txt'), 'the held-out text');
  const heldOut = utf8Prefix(stories, evalBytes);
  // the target methods' selection text: TinyStories after the evaluation span (never the span itself)
  const selectBytes = optionalNumber(f, 'select-bytes', 65536, (n) => Number.isInteger(n) && n >= 1000, 'a whole number of bytes >= 1000');
  const selectText = utf8Prefix(stories.slice(heldOut.length), selectBytes);
  const samples = optionalNumber(f, 'samples', PROTOCOL.samples, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1');
  const sampleTokens = optionalNumber(f, 'sample-tokens', PROTOCOL.sampleTokens, (n) => Number.isInteger(n) && n >= 2, 'a whole number >= 2');
  for (const d of dirs) if (!existsSync(join(d, 'config.json'))) throw new UsageError(`no model folder at ${d} (config.json missing): check --models / --data`);

  const gpu = await nodeGpu();
  const results: ModelQuality[] = [];
  const markdown: string[] = [];
  let deviceInfo = '';
  await mkdir(charts, { recursive: true });
  for (const dir of dirs) {
    // a fresh device per model: dispose() destroys it
    const { device, info } = await acquireDevice(gpu, (e) => console.error(`WebGPU error: ${e.message}`));
    deviceInfo = deviceLabel(info);
    console.error(`device: ${deviceInfo}; model ${dir}`);
    const s = await openSession(device, await openNodeFolder(dir));
    const name = basename(dir);
    let q: ModelQuality;
    try {
      q = await runModelQuality(s, name, calibText, heldOut, { reductions, methods, evalBytes, selectText, samples, sampleTokens, log: (l) => console.error(l) });
    } finally {
      s.dispose();
    }
    results.push(q);
    const anchorPath = join(reference, `quality-${name}.json`);
    let anchors: AnchorModel | null = null;
    if (existsSync(anchorPath)) anchors = parseAnchors(JSON.parse(await readFile(anchorPath, 'utf8')), anchorPath);
    else console.error(`no PyTorch reference for ${name} (${anchorPath}): the report shows our numbers only`);
    markdown.push(modelMarkdown(q, anchors), targetMarkdown(q, anchors));
    const svgPath = join(charts, `quality-${name}.svg`);
    await writeFile(svgPath, lineChartSvg(`${name}: bits per byte vs parameters removed (best split per method)`, seriesOf(q), q.dense.bits_per_byte));
    const tool = svgToPng(svgPath, svgPath.replace(/\.svg$/, '.png'));
    console.error(`chart: ${svgPath}${tool ? ` (+ PNG via ${tool})` : ' (no rsvg-convert/magick on PATH: SVG only)'}`);
    // written after every model, so a long run keeps what it finished
    const machine = { device: deviceInfo, cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
    await mkdir(dirname(outJson), { recursive: true });
    await writeFile(outJson, JSON.stringify({ protocol: { ...PROTOCOL, samples, sampleTokens, evalBytes, selectBytes, selection: 'tinystories-heldout.txt after the evaluation span' }, reductions, methods, machine, models: results }, null, 1));
    await mkdir(dirname(outMd), { recursive: true });
    await writeFile(outMd, `<!-- written by: compact-studio bench-quality ${argv.join(' ')} -->\nMachine: ${machine.device}, Node ${machine.node}.\n\n${markdown.join('\n')}`);
  }
  console.log(`wrote ${outJson} and ${outMd}`);
}
