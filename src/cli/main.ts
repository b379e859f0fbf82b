// `compact-studio` CLI: the same engine as the studio, headless in Node (Dawn).
import { readFile } from 'node:fs/promises';
import { acquireDevice, deviceLabel } from '../gpu/device';
import { nodeGpu } from '../gpu/node-device';
import { openNodeFolder } from '../io/node-files';
import { stageNodeOutput, type StagedOutput } from '../io/node-output';
import type { ModelFiles } from '../io/source';
import { unexpectedTensors } from '../model/weights';
import { openSession, type EngineSession } from '../engine/session';
import type { CalibrationText, OpenOptions } from '../engine/session-api';
import { utf8Prefix } from '../eval/windows';
import { CalibrationTextError } from '../prune/calibration';
import { CRITERIA } from '../engine/criteria';
import type { CalibrationOptions, CountSpan, Criterion, VocabOrder } from '../engine/types';
import { UsageError, optionalNumber, parseFlags, requireString, type Flags } from './args';
import { runBench } from './bench';
import { BENCH_QUALITY_USAGE, runBenchQuality } from './bench-quality';
import { runBenchGpu } from './bench-gpu';
import { runBenchMatmul } from './bench-matmul';
import { runBenchExport } from './bench-export';
import { ProgressLine } from './progress-line';
import { MAKE_MODEL_USAGE, runMakeModel } from './make-model';
import { gpuMemoryFlag } from './gpu-budget';
import { runSelftest } from './selftest';
import { TARGET_FLAGS, TARGET_USAGE, candidateJson, candidateLines, parseTarget, selectSeq, selectionText, targetBudget, targetCountSpans, targetCriteria, targetOrders } from './prune-target';
import { runBenchFast } from './bench-fast';
import { runTokenizeTask, tokenizeAside, type TokenizedAside } from './tokenize-aside';

const USAGE = `compact-studio <command> [flags]

  eval   --model DIR --text FILE [--tokens N] [--seq S] [--bytes N] [--bos] [--json]
         mean NLL, perplexity and bits per byte under docs/DESIGN.md's protocol
         (first N tokens, windows of S, no BOS unless --bos). --bytes cuts the text
         to its first N UTF-8 bytes first (65536 for the cross-tokenizer comparison).
  prune  --model DIR --calib FILE (--vocab-keep N | --vocab-ratio R) (--ffn-keep N | --ffn-ratio R)
         [--vocab-order predicted|frequency|id] [--criterion common-act2|act2|magnitude|output-act2] [--no-closure]
         [--samples N] [--sample-tokens N] [--vocab-counts text|windows] [--mode auto|exact|fast] --out DIR [--overwrite] [--json]
         defaults: predicted order (the model's next-token probabilities summed over the calibration
         windows; frequency = counts over the whole --calib text, or with --vocab-counts windows only
         the samples x tokens the FFN scores use; id = the paper), common-act2, closure on, 16 x 512 tokens,
         mode auto (calibration on tensor cores where the adapter has them, else exact f32).
         DIR must be new or empty (--overwrite replaces it once the new export is complete) and
         outside the model folder; the export is written beside it and renamed into place.
         Progress goes to stderr; --json adds seconds per stage, gpu_peak_bytes, peak_rss_bytes.
${TARGET_USAGE}
  bench  [--models NAME|DIR,...] [--data DIR] [--json FILE]   speed on this machine;
         --data DIR holds models/<name>/ and corpora/ (default ../shared when it exists)
  bench-gpu --model DIR [--samples 16 --seq 512 --reps 5 --warmup 2] [--scaling] [--precision exact|fast|both] [--decode]
         engine speed at a model's real shapes with random ids (no tokenizer needed)
  bench-matmul [--reps N] [--per-submit N] [--scale S]
         the matmul kernels side by side at LLM shapes (TFLOP/s, max |diff| between them)
  bench-export --model DIR [--out DIR] [--reps 3] [--vocab-ratio 0.75] [--ffn-ratio 0.75]
         the export's weights against a plain copy of the same shards on the same disk (GB/s, no GPU)
  selftest  kernel checks against CPU references on this GPU (the tensor-core matmul where offered)
  bench-fast --models DIR,DIR --calib FILE --text FILE [--reductions 10,20,30,40,50]
         fast mode's selections against exact mode's: kept FFN channels in common, bits/byte of both
${BENCH_QUALITY_USAGE}
${MAKE_MODEL_USAGE}

  eval and prune take --gpu-memory SIZE (e.g. 2GiB, 512MiB): the GPU memory the engine may use.
  A model that does not fit runs streamed, one decoder layer at a time from the files. Default:
  90% of the free GPU memory where nvidia-smi reports it, else a share of the adapter's limits.
`;

/** The progress line of the running command (cleared before an error is printed). */
let line: ProgressLine | null = null;

type Budget = ReturnType<typeof gpuMemoryFlag>;

async function session(files: ModelFiles, quiet: boolean, progress: ProgressLine, budget: Budget, onInspected?: OpenOptions['onInspected']): Promise<EngineSession> {
  const gpu = await nodeGpu();
  const { device, info } = await acquireDevice(gpu, (e) => console.error(`WebGPU error: ${e.message}`));
  device.lost.then((l) => {
    if (l.reason !== 'destroyed') console.error(`GPU device lost: ${l.message}`);
  });
  if (!quiet) console.error(`device: ${deviceLabel(info)}`);
  progress.stage('load');
  const s = await openSession(device, files, { gpuMemoryBytes: budget?.bytes, budgetSource: budget?.source, onProgress: (p) => progress.update(p), onInspected });
  if (!quiet) progress.note(`placement: ${s.plan.mode} (${s.plan.reason}; budget ${s.placement.budgetSource})`);
  const { dropped, carried } = unexpectedTensors(s.spec, s.ckpt.entries);
  if (dropped.length) progress.note(`note: ${dropped.length} tensor(s) in the checkpoint are not used by config.json and are left out: ${dropped.slice(0, 5).join(', ')}${dropped.length > 5 ? ', ...' : ''}`);
  if (carried.length) progress.note(`note: ${carried.length} tensor(s) outside the language model (vision tower, projector) are not used here; an export keeps them unchanged`);
  return s;
}

/** Lists the model folder (nothing is read yet) and says which entries it leaves out. */
async function modelFolder(dir: string): Promise<ModelFiles> {
  const files = await openNodeFolder(dir);
  for (const s of files.skipped ?? []) console.error(`note: ${s.name} is ${s.reason}`);
  return files;
}

/** What every --json result carries about the run: seconds per stage, peak GPU bytes, peak RSS. */
function runStats(progress: ProgressLine, s: EngineSession) {
  return {
    seconds: progress.finish(),
    gpu_peak_bytes: s.memory().peakBytes,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function cmdEval(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    model: { type: 'string' }, text: { type: 'string' }, tokens: { type: 'string' }, seq: { type: 'string' },
    bytes: { type: 'string' }, bos: { type: 'boolean' }, json: { type: 'boolean' }, 'gpu-memory': { type: 'string' },
  });
  const tokens = optionalNumber(f, 'tokens', Infinity, (n) => Number.isInteger(n) && n > 1, 'a whole number > 1');
  const seq = optionalNumber(f, 'seq', 256, (n) => Number.isInteger(n) && n >= 2, 'a whole number >= 2');
  let text = await readText(requireString(f, 'text'));
  if (f.bytes !== undefined) text = utf8Prefix(text, optionalNumber(f, 'bytes', 0, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0'));
  const budget = gpuMemoryFlag(f['gpu-memory']);
  const progress = (line = new ProgressLine(process.stderr));
  const s = await session(await modelFolder(requireString(f, 'model')), Boolean(f.json), progress, budget);
  progress.stage('evaluate');
  const r = await s.evaluate(null, text, { tokens, seq, bos: Boolean(f.bos) }, (p) => progress.update(p));
  print(f, { ...r, placement: s.placement, ...runStats(progress, s) }, `tokens ${r.tokens}  windows ${r.windows}  predicted ${r.predicted}  mean NLL ${r.mean_nll.toFixed(6)}  ppl ${r.ppl.toFixed(4)}  bits/byte ${r.bits_per_byte.toFixed(4)}`);
  s.dispose();
}

function ratioOrCount(f: Flags, count: string, ratio: string, total: number): number {
  if (f[count] !== undefined && f[ratio] !== undefined) throw new UsageError(`give --${count} or --${ratio}, not both`);
  if (f[count] !== undefined) return optionalNumber(f, count, 0, (n) => Number.isInteger(n) && n >= 1 && n <= total, `a whole number in 1..${total}`);
  if (f[ratio] !== undefined) {
    const r = optionalNumber(f, ratio, 1, (n) => n > 0 && n <= 1, 'a ratio in (0, 1] (the share to keep)');
    return Math.max(1, Math.round(r * total));
  }
  throw new UsageError(`--${count} or --${ratio} is required`);
}

async function cmdPrune(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    model: { type: 'string' }, calib: { type: 'string' }, out: { type: 'string' }, overwrite: { type: 'boolean' },
    'vocab-keep': { type: 'string' }, 'vocab-ratio': { type: 'string' }, 'ffn-keep': { type: 'string' }, 'ffn-ratio': { type: 'string' },
    'vocab-order': { type: 'string' }, criterion: { type: 'string' }, 'no-closure': { type: 'boolean' }, 'vocab-counts': { type: 'string' },
    samples: { type: 'string' }, 'sample-tokens': { type: 'string' }, json: { type: 'boolean' }, 'gpu-memory': { type: 'string' },
    mode: { type: 'string' },
    ...TARGET_FLAGS,
  });
  const target = parseTarget(f);
  const mode = (f.mode ?? 'auto') as CalibrationOptions['mode'];
  if (mode !== 'auto' && mode !== 'exact' && mode !== 'fast') throw new UsageError(`--mode must be auto, exact or fast (got ${String(f.mode)})`);
  const order = (f['vocab-order'] ?? 'predicted') as VocabOrder; // the studio's default (BENCHMARKS.md)
  if (order !== 'id' && order !== 'frequency' && order !== 'predicted') throw new UsageError(`--vocab-order must be predicted, frequency or id (got ${order})`);
  const criterion = (f.criterion ?? 'common-act2') as Criterion;
  if (!CRITERIA.includes(criterion)) throw new UsageError(`--criterion must be ${CRITERIA.join(', ')} (got ${criterion})`);
  const countSpan = (f['vocab-counts'] ?? 'text') as CountSpan;
  if (countSpan !== 'text' && countSpan !== 'windows') throw new UsageError(`--vocab-counts must be text or windows (got ${countSpan})`);
  const opts: CalibrationOptions = {
    samples: optionalNumber(f, 'samples', 16, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1'),
    sampleTokens: optionalNumber(f, 'sample-tokens', 512, (n) => Number.isInteger(n) && n >= 2, 'a whole number >= 2'),
    vocabOrder: order,
    criterion,
    closure: !f['no-closure'],
    countSpan,
    mode,
  };
  const out = requireString(f, 'out');
  const modelDir = requireString(f, 'model');
  let calibText = await readText(requireString(f, 'calib'));
  // with a target, the selection text is set aside first (by default the tail of --calib)
  const sel = target ? await selectionText(f, calibText) : null;
  if (sel) calibText = sel.calibration;
  const budget = gpuMemoryFlag(f['gpu-memory']);
  const files = await modelFolder(modelDir);
  // The destination is checked (and its temporary sibling made) before anything is loaded.
  const staged = await stageNodeOutput(out, { modelDir: files.label, overwrite: Boolean(f.overwrite) });
  const unhook = discardOnSignal(staged);
  try {
    const progress = (line = new ProgressLine(process.stderr));
    // the calibration text is tokenized on a worker thread while the weights load
    let aside: Promise<TokenizedAside | null> = Promise.resolve(null);
    const s = await session(files, Boolean(f.json), progress, budget, (t) => (aside = tokenizeAside(t, calibText)));
    const calibInput = async (): Promise<CalibrationText> => (await aside) ?? calibText;
    const { vocabSize: V, intermediate: I } = s.spec;
    let req: { vocabKeep: number; ffnKeep: number };
    let chosen: Record<string, unknown> | undefined;
    let cal: Awaited<ReturnType<EngineSession['calibrate']>>;
    if (target && sel) {
      // the selection text only ranks the candidates; counts and FFN scores come from this calibration
      progress.stage('calibrate');
      try {
        cal = await s.calibrate(await calibInput(), opts, (p) => progress.update(p));
      } catch (e) {
        if (e instanceof CalibrationTextError && !f['select-text']) throw new CalibrationTextError(`${e.message} (the last ${new TextEncoder().encode(sel.text).length} bytes were set aside as the selection text: give --select-text FILE to calibrate on all of --calib)`);
        throw e;
      }
      const tb = targetBudget(target, s.summary().params.total);
      if (!f.json) console.error(`target: ${tb.kind === 'params' ? `at most ${tb.max} parameters` : `at most ${tb.max} bytes of weights`}; selection text: ${sel.source}`);
      progress.stage('search');
      const r = await s.searchTarget(
        { budget: tb, selectText: sel.text, eval: { tokens: Infinity, seq: selectSeq(f) }, orders: targetOrders(f), countSpans: targetCountSpans(f), criteria: targetCriteria(f) },
        (p) => progress.update(p),
      );
      console.error(candidateLines(r).join('\n'));
      const best = r.best;
      if (!best) throw new UsageError(`no (vocabulary, FFN) split fits ${tb.kind === 'params' ? `${tb.max} parameters` : `${tb.max} bytes`}: ask for a smaller reduction`);
      s.setOptions({ vocabOrder: best.order, countSpan: best.countSpan ?? opts.countSpan, criterion: best.criterion, closure: best.closure });
      Object.assign(opts, { vocabOrder: best.order, countSpan: best.countSpan ?? opts.countSpan, criterion: best.criterion });
      req = { vocabKeep: best.vocabKeep, ffnKeep: best.ffnKeep };
      chosen = {
        budget: tb, selection: { source: sel.source, bytes: new TextEncoder().encode(sel.text).length, mode: r.mode },
        chosen: candidateJson(best), candidates: r.points.map(candidateJson),
      };
    } else {
      req = { vocabKeep: ratioOrCount(f, 'vocab-keep', 'vocab-ratio', V), ffnKeep: ratioOrCount(f, 'ffn-keep', 'ffn-ratio', I) };
      s.planSummary(req); // V' >= the always-kept set, I' in range: fail before calibrating
      progress.stage('calibrate');
      cal = await s.calibrate(await calibInput(), opts, (p) => progress.update(p));
    }
    progress.stage('select');
    await s.selection(req); // cached: the export reuses it
    progress.stage('export');
    const summary = await s.exportPruned(req, staged.folder, (p) => progress.update(p));
    await staged.commit();
    const result = {
      out: staged.target,
      vocab_size: summary.vocabSize,
      intermediate_size: summary.intermediateSize,
      params_before: summary.paramsBefore,
      params_after: summary.paramsAfter,
      reduction: 1 - summary.paramsAfter.total / summary.paramsBefore.total,
      kept_by_reason: summary.keptByReason,
      calibration: { tokens: cal.tokens, text_tokens: cal.textTokens, distinct_tokens: cal.distinctTokens, tokens_per_second: Math.round(cal.tokensPerSecond), tokenize_s: +(cal.tokenizeMs / 1000).toFixed(2), tokenized_during_load: (await aside) !== null, tokenizer_workers: (await aside)?.workers ?? 0, mode: cal.mode, mode_note: cal.modeNote },
      placement: s.placement,
      options: opts,
      ...(chosen ? { target: chosen } : {}),
      files: summary.files,
      notes: summary.notes,
      ...runStats(progress, s),
    };
    const how = chosen ? ` (chosen: ${opts.vocabOrder} order${opts.vocabOrder === 'frequency' ? ` counted over ${opts.countSpan}` : ''}, ${opts.criterion}, closure ${opts.closure ? 'on' : 'off'})` : '';
    print(f, result, `wrote ${staged.target}${how}: vocab ${V} -> ${summary.vocabSize}, FFN ${I} -> ${summary.intermediateSize}, params ${summary.paramsBefore.total} -> ${summary.paramsAfter.total} (-${(result.reduction * 100).toFixed(1)}%)\ncalibration ${cal.modeNote}\n${summary.notes.join('\n')}`);
    s.dispose();
  } finally {
    await staged.discard(); // a no-op after commit
    unhook();
  }
}

/** Ctrl-C / kill during a prune removes the temporary folder before exiting. */
function discardOnSignal(staged: StagedOutput): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    staged.discardSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Check the path.`);
  }
}

function print(f: Flags, value: unknown, human: string): void {
  console.log(f.json ? JSON.stringify(value) : human);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'eval': await cmdEval(rest); break;
      case 'prune': await cmdPrune(rest); break;
      case 'bench': await runBench(rest); break;
      case 'bench-quality': await runBenchQuality(rest); break;
      case 'bench-gpu': await runBenchGpu(rest); break;
      case 'bench-matmul': await runBenchMatmul(rest); break;
      case 'bench-export': await runBenchExport(rest); break;
      case 'make-model': await runMakeModel(rest); break;
      case 'selftest': return (await runSelftest()) ? 0 : 1;
      case 'bench-fast': await runBenchFast(rest); break;
      case undefined: case '-h': case '--help': console.log(USAGE); return cmd ? 0 : 2;
      default: throw new UsageError(`unknown command '${cmd}'`);
    }
    return 0;
  } catch (e) {
    const err = e as Error;
    line?.finish();
    console.error(`error: ${err.message}`);
    if (err instanceof UsageError) console.error(`\n${USAGE}`);
    else if (process.env.COMPACT_DEBUG) console.error(err.stack);
    return err instanceof UsageError ? 2 : 1;
  }
}

// the same bundle runs the tokenizer's worker thread (tokenize-aside.ts)
if (!runTokenizeTask()) {
  process.exitCode = await main(process.argv.slice(2));
  // Dawn keeps the event loop alive; exit once output is flushed.
  process.stdout.write('', () => process.exit(process.exitCode));
}
