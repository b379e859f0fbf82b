// EngineSession: one model on one GPUDevice, driven by the worker or the CLI. The facade over
// calibration (prune/calibration.ts, prune/ffn-scores.ts), vocabulary and FFN selection, the
// preview model (engine/preview.ts), evaluation (eval/perplexity.ts), decoding and latency
// (eval/decode.ts) and export (prune/export.ts). The model is resident or streamed under the
// GPU memory budget (model/placement.ts); every pass runs either way.
import { Gpu } from '../gpu/context';
import type { Checkpoint } from '../io/checkpoint';
import type { ModelFiles, OutputFolder } from '../io/source';
import { bytesPerElement } from '../io/dtype-decode';
import type { ModelSpec } from '../model/spec-types';
import { weightTable, type WeightRef } from '../model/weights';
import { uploadModel } from '../model/open';
import type { LoadedModel } from '../model/forward';
import { defaultGpuBudget, formatBytes, PLACEMENT_WINDOW, reserveFor, type PlacementPlan } from '../model/placement';
import { activationBytesPerToken } from '../model/pass';
import { gpuDtype } from '../model/load';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { selectVocabulary, type VocabSelection } from '../prune/vocab-select';
import { activationScores, calibrationWindows, tokenCounts, type CalibrationWindows } from '../prune/calibration';
import { FfnScorer } from '../prune/ffn-scores';
import { PruneSettingsError, selectFfnChannels } from '../prune/ffn-select';
import type { PruneSelection } from '../prune/pruned-model';
import { exportPrunedFolder } from '../prune/export';
import { paramBreakdown, splitsUnder, weightBytes } from '../prune/params';
import { evaluateIds } from '../eval/perplexity';
import { greedyDecode, measureLatency } from '../eval/decode';
import { PreviewCache } from './preview';
import { searchTarget, type TargetHost, type TargetSearch } from './target';
import { checkFastMatmul } from '../gpu/fast-check';
import type { CalibrationText, EngineSessionApi, OpenOptions } from './session-api';
import { inspectFolder } from './inspect-folder';
import type {
  CalibrationOptions, CalibrationSummary, ComputeMode, EvalOptions, EvalResult, ExportSummary, GpuMemory, LatencyResult,
  CountSpan, ModelSummary, Placement, PlanSummary, ProgressFn, PruneRequest, SelectionOptions, SweepResult,
} from './types';

type Json = Record<string, unknown>;

/** Vocabulary settings before any calibration (planSummary only checks V' then). */
const UNCALIBRATED_VOCAB: Pick<CalibrationOptions, 'vocabOrder' | 'closure' | 'countSpan'> = { vocabOrder: 'id', closure: true };
/** Resident passes gain nothing from activations beyond this. */
const MAX_ACTIVATIONS = 2 ** 31;

interface Calibration {
  opts: CalibrationOptions;
  /** the precision the calibration passes ran in (and the sweep's evaluations run in) */
  mode: ComputeMode;
  windows: CalibrationWindows;
  /** token counts the frequency order ranks by, per span: the whole text and the calibration windows */
  counts: Record<CountSpan, Uint32Array>;
  /** the predicted order's scores: next-token probability summed over the calibration positions */
  mass: Float64Array;
  scorer: FfnScorer;
}

export class EngineSession implements EngineSessionApi {
  private calibration: Calibration | null = null;
  private readonly table: WeightRef[];
  private readonly preview: PreviewCache;

  constructor(
    readonly gpu: Gpu,
    readonly files: ModelFiles,
    readonly spec: ModelSpec,
    readonly ckpt: Checkpoint,
    readonly model: LoadedModel,
    readonly tokenizer: TextTokenizer,
    private readonly jsons: { config: Json; generationConfig?: Json; tokenizerJson: Json; tokenizerConfig?: Json },
    readonly plan: PlacementPlan,
    private readonly budgetSource: string,
  ) {
    this.table = weightTable(spec, new Set(ckpt.entries.keys()));
    const elemBytes = (name: string) => bytesPerElement(this.ckpt.entries.get(name)!.dtype);
    this.preview = new PreviewCache({
      gpu,
      base: model,
      table: this.table,
      elemBytes,
      gpuElemBytes: (ref) => (gpuDtype(ref.role, this.ckpt.entries.get(ref.name)!.dtype) === 'f32' ? 4 : 2),
      jsons,
      room: () => this.plan.budgetBytes - gpu.memory().allocatedBytes - reserveFor(this.plan.weightBytes) - activationBytesPerToken(model) * PLACEMENT_WINDOW,
    });
  }

  get placement(): Placement {
    const p = this.plan;
    return {
      mode: p.mode,
      budgetBytes: p.budgetBytes,
      budgetSource: this.budgetSource,
      weightBytes: p.weightBytes,
      residentNeedBytes: p.residentNeedBytes,
      streamedNeedBytes: p.streamedNeedBytes,
      reason: p.reason,
      unavailable: p.mode === 'streamed' ? ['decode latency', 'generation'] : [],
    };
  }

  summary(): ModelSummary {
    const s = this.spec;
    return {
      label: this.files.label,
      family: s.family,
      modelType: s.modelType,
      layers: s.layers,
      hidden: s.hidden,
      heads: s.heads,
      kvHeads: s.kvHeads,
      headDim: s.headDim,
      vocabSize: s.vocabSize,
      intermediate: s.intermediate,
      tiedEmbeddings: s.tiedEmbeddings,
      dtypes: [...new Set([...this.ckpt.entries.values()].map((e) => e.dtype))],
      files: this.files.names().map((name) => ({ name, size: this.files.get(name)!.size })),
      params: paramBreakdown(this.table, s.vocabSize, s.intermediate),
      weightBytes: this.weightBytes(s.vocabSize, s.intermediate),
      placement: this.placement,
    };
  }

  memory(): GpuMemory {
    const m = this.gpu.memory();
    this.gpu.resetPeak();
    return m;
  }

  /** GPU bytes passes may use for activations now: streamed, the plan's share (less what a preview's slots take); resident, what the budget leaves. */
  activationBytes(): number {
    if (this.plan.mode === 'streamed') return Math.max(activationBytesPerToken(this.model) * PLACEMENT_WINDOW, this.plan.activationBytes - this.preview.gpuBytes());
    const left = this.plan.budgetBytes - this.gpu.memory().allocatedBytes - reserveFor(this.plan.weightBytes);
    return Math.max(activationBytesPerToken(this.model) * PLACEMENT_WINDOW, Math.min(MAX_ACTIVATIONS, left));
  }

  private weightBytes(V: number, I: number): number {
    return weightBytes(this.table, (n) => bytesPerElement(this.ckpt.entries.get(n)!.dtype), V, I);
  }

  async calibrate(text: CalibrationText, opts: CalibrationOptions, onProgress?: ProgressFn): Promise<CalibrationSummary> {
    const t0 = performance.now();
    if (typeof text === 'string') onProgress?.({ phase: 'tokenize', done: 0, total: 1, unit: 'steps' });
    const ids = typeof text === 'string' ? this.tokenizer.encode(text) : text.ids;
    const tokenizeMs = typeof text === 'string' ? performance.now() - t0 : text.tokenizeMs;
    const windows = calibrationWindows(ids, opts.samples, opts.sampleTokens);
    const windowCounts = tokenCounts(windows.ids, this.spec.vocabSize);
    const counts = { text: tokenCounts(ids, this.spec.vocabSize), windows: windowCounts };
    const activationBytes = this.activationBytes();
    const { mode, modeNote } = this.computeMode(opts.mode);
    const model: LoadedModel = { ...this.model, precision: mode };
    // one pass over the stack for both the FFN statistics and the predicted token mass
    const { act2, mass } = await activationScores(this.gpu, model, windows, null, { activationBytes, onProgress, withMass: true });
    const scorer = new FfnScorer({ gpu: this.gpu, model, ckpt: this.ckpt, table: this.table, windows, counts: windowCounts, act2, activationBytes });
    this.calibration = { opts, mode, windows, counts, mass: mass!, scorer };
    this.vocabCache.clear(); // frequency order depends on the new counts
    this.preview.drop();
    const ms = performance.now() - t0;
    let distinct = 0;
    for (const c of windowCounts) if (c) distinct++;
    return {
      tokens: windows.ids.length,
      textTokens: ids.length,
      distinctTokens: distinct,
      ms,
      tokenizeMs,
      tokensPerSecond: (windows.ids.length / ms) * 1000,
      minVocab: this.vocabulary(this.spec.vocabSize).alwaysKept,
      mode,
      modeNote,
    };
  }

  /** The precision a calibration asks for ('auto': exact until fast mode is faster; 'fast': tensor cores where offered), and why. */
  private computeMode(asked: CalibrationOptions['mode']): { mode: ComputeMode; modeNote: string } {
    const want = asked ?? 'auto';
    if (want === 'exact') return { mode: 'exact', modeNote: 'exact: f32 math (asked for)' };
    // 'auto' stays exact: on the H200 fast mode gains only 1.2-1.3x per pass (177 vs 213 ms on the
    // Qwen2.5-0.5B shape, BENCHMARKS.md) and can move a channel at the cut, so it is opt-in
    if (want === 'auto') return { mode: 'exact', modeNote: 'exact: f32 math (the default; fast mode on tensor cores is opt-in)' };
    if (this.gpu.hasFastMatmul) return { mode: 'fast', modeNote: 'fast: tensor cores (subgroup matrices; f16 inputs with per-row range scaling, f32 accumulation; matmuls over f32 weights stay exact)' };
    const why = this.gpu.fastProblem ?? 'fast mode needs subgroup matrices, which this adapter does not offer';
    return { mode: 'exact', modeNote: `exact: f32 math (${why}; fell back)` };
  }

  /**
   * Switches vocabulary order (and what frequency counts), FFN criterion and merge closure after
   * calibrate() without a new pass: counts and act2 are kept, common-act2 scores stay cached per
   * kept-token set.
   */
  setOptions(opts: SelectionOptions): void {
    const cal = this.requireCalibration();
    cal.opts = { ...cal.opts, vocabOrder: opts.vocabOrder, criterion: opts.criterion, closure: opts.closure, countSpan: opts.countSpan ?? 'text' };
  }

  private requireCalibration(): Calibration {
    if (!this.calibration) throw new PruneSettingsError('calibrate first: pruning needs the calibration pass (token counts and FFN scores)');
    return this.calibration;
  }

  /** Vocabulary selections by (order, closure, V'): the sliders, plan and preview ask for the same ones
   *  repeatedly, and one selection walks the whole tokenizer (~0.2 s at 50k tokens). Cleared by calibrate(). */
  private readonly vocabCache = new Map<string, VocabSelection>();

  private vocabulary(keep: number): VocabSelection {
    const opts = this.calibration?.opts ?? UNCALIBRATED_VOCAB;
    const span = opts.countSpan ?? 'text';
    const key = `${opts.vocabOrder}/${opts.vocabOrder === 'frequency' ? span : ''}/${opts.closure}/${keep}`;
    let sel = this.vocabCache.get(key);
    if (!sel) {
      if (this.vocabCache.size >= 64) this.vocabCache.clear();
      sel = selectVocabulary({
        tokenizerJson: this.jsons.tokenizerJson,
        tokenizerConfig: this.jsons.tokenizerConfig,
        generationConfig: this.jsons.generationConfig,
        config: this.jsons.config,
        order: opts.vocabOrder,
        counts: opts.vocabOrder === 'predicted' ? this.calibration?.mass : this.calibration?.counts[span],
        keep,
        closure: opts.closure,
      });
      this.vocabCache.set(key, sel);
    }
    return sel;
  }

  private checkRequest(req: PruneRequest): void {
    const { vocabSize: V, intermediate: I } = this.spec;
    if (!Number.isInteger(req.vocabKeep) || req.vocabKeep < 1 || req.vocabKeep > V) {
      throw new PruneSettingsError(`vocabulary to keep must be a whole number in 1..${V} (got ${req.vocabKeep})`);
    }
    if (!Number.isInteger(req.ffnKeep) || req.ffnKeep < 1 || req.ffnKeep > I) {
      throw new PruneSettingsError(`FFN channels to keep must be a whole number in 1..${I} (got ${req.ffnKeep}); 0 would remove the MLP entirely`);
    }
  }

  planSummary(req: PruneRequest): PlanSummary {
    this.checkRequest(req);
    const sel = this.vocabulary(req.vocabKeep);
    const V2 = sel.keptIds.length;
    const fileBytes = this.weightBytes(V2, req.ffnKeep);
    return {
      vocabKeep: V2,
      ffnKeep: req.ffnKeep,
      params: paramBreakdown(this.table, V2, req.ffnKeep),
      fileBytes,
      gpuBytes: fileBytes,
      keptByReason: sel.byReason,
    };
  }

  /** The exact selection for a request: vocabulary by order/closure, FFN by criterion. */
  async selection(req: PruneRequest): Promise<{ sel: PruneSelection; vocab: VocabSelection }> {
    this.checkRequest(req);
    const cal = this.requireCalibration();
    const vocab = this.vocabulary(req.vocabKeep);
    const scores = await cal.scorer.scores(cal.opts.criterion, vocab.keptIds);
    return { sel: { keptVocab: vocab.keptIds, keptFfn: selectFfnChannels(scores, req.ffnKeep) }, vocab };
  }

  /** The model (and its tokenizer) a request refers to; the pruned one comes from the preview cache. */
  private async modelFor(req: PruneRequest | null): Promise<{ model: LoadedModel; tokenizer: TextTokenizer; keptVocab: Uint32Array | null }> {
    if (req === null) return { model: this.model, tokenizer: this.tokenizer, keptVocab: null };
    const o = this.calibration?.opts;
    const key = `${o?.vocabOrder}/${o?.countSpan ?? 'text'}/${o?.criterion}/${o?.closure}/${req.vocabKeep}/${req.ffnKeep}`;
    const p = await this.preview.get(key, async () => (await this.selection(req)).sel);
    return { model: p.pruned.model, tokenizer: p.tokenizer, keptVocab: p.keptVocab };
  }

  async evaluate(req: PruneRequest | null, text: string, opts: EvalOptions, onProgress?: ProgressFn, precision: ComputeMode = 'exact'): Promise<EvalResult> {
    const found = await this.modelFor(req);
    const { tokenizer, keptVocab } = found;
    const model: LoadedModel = { ...found.model, precision };
    onProgress?.({ phase: 'tokenize', done: 0, total: 1, unit: 'steps' });
    const ids = tokenizer.encode(text);
    const bosId = opts.bos ? this.bosIdFor(keptVocab) : null;
    return evaluateIds(this.gpu, model, ids, (id) => tokenizer.tokenByteLength(id), {
      maxTokens: opts.tokens,
      seq: opts.seq,
      bosId,
      activationBytes: this.activationBytes(),
      onProgress,
    });
  }

  /** Bits per byte of an explicit selection's pruned model (benchmarks compare selections made in different modes). */
  async evaluateSelection(sel: PruneSelection, text: string, opts: EvalOptions): Promise<EvalResult> {
    let h = 2166136261;
    for (const a of [sel.keptVocab, ...sel.keptFfn]) for (const v of a) h = Math.imul(h ^ v, 16777619);
    const p = await this.preview.get(`selection/${sel.keptVocab.length}/${sel.keptFfn[0].length}/${h >>> 0}`, async () => sel);
    const ids = p.tokenizer.encode(text);
    return evaluateIds(this.gpu, p.pruned.model, ids, (id) => p.tokenizer.tokenByteLength(id), { maxTokens: opts.tokens, seq: opts.seq, bosId: null, activationBytes: this.activationBytes() });
  }

  /** BOS id in the original vocabulary, or renumbered in the pruned one (it is always kept). */
  private bosIdFor(keptVocab: Uint32Array | null): number {
    const bos = this.spec.bosId;
    if (bos === null) throw new PruneSettingsError('BOS was asked for, but config.json names no bos_token_id');
    if (keptVocab === null) return bos;
    const id = keptVocab.indexOf(bos);
    if (id < 0) throw new Error('internal: the BOS token was removed by pruning');
    return id;
  }

  async latency(req: PruneRequest | null, onProgress?: ProgressFn): Promise<LatencyResult> {
    const { model } = await this.modelFor(req);
    return measureLatency(this.gpu, model, onProgress);
  }

  private isEos(keptVocab: Uint32Array | null, id: number): boolean {
    const original = keptVocab === null ? id : id < keptVocab.length ? keptVocab[id] : -1;
    return this.spec.eosIds.includes(original);
  }

  async generate(req: PruneRequest | null, prompt: string, maxNewTokens: number, onProgress?: ProgressFn): Promise<string> {
    const { model, tokenizer, keptVocab } = await this.modelFor(req);
    const promptIds = tokenizer.encode(prompt);
    if (promptIds.length === 0) throw new PruneSettingsError('the prompt is empty: type a few words to continue');
    // decode prompt + continuation and cut the prompt's text: decoding the new ids alone
    // would lose a leading space (SentencePiece '▁' is stripped at the start of a decode)
    const head = tokenizer.decode(promptIds);
    const continuation = (ids: number[]) => {
      const full = tokenizer.decode([...promptIds, ...ids]);
      return full.startsWith(head) ? full.slice(head.length) : tokenizer.decode(ids);
    };
    const { ids } = await greedyDecode(this.gpu, model, promptIds, maxNewTokens, {
      stopAt: (id) => this.isEos(keptVocab, id),
      onToken: (sofar) => onProgress?.({ phase: 'generate', done: sofar.length, total: maxNewTokens, unit: 'tokens', text: continuation(sofar) }),
    });
    return continuation(ids);
  }

  /** The studio's "Find best split": the automatic allocation (engine/target.ts) for a parameter budget, ranked on `heldOut`. */
  async sweep(targetParams: number, heldOut: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<SweepResult> {
    return this.searchTarget({ budget: { kind: 'params', max: targetParams }, selectText: heldOut, eval: opts }, onProgress);
  }

  /** The automatic allocation for any budget (the CLI's prune --target); needs calibrate(). */
  async searchTarget(search: TargetSearch, onProgress?: ProgressFn): Promise<SweepResult> {
    this.requireCalibration(); // FFN scores come from it; its precision runs the search
    return searchTarget(this.targetHost(), search, onProgress);
  }

  private targetHost(): TargetHost {
    const { vocabSize: V, intermediate: I } = this.spec;
    return {
      vocabSize: V,
      selectionOptions: () => {
        const o = this.requireCalibration().opts;
        return { vocabOrder: o.vocabOrder, criterion: o.criterion, closure: o.closure, countSpan: o.countSpan ?? 'text' };
      },
      setOptions: (o) => this.setOptions(o),
      splits: (budget, shares) => {
        const minVocab = this.vocabulary(V).alwaysKept;
        const cost = budget.kind === 'params' ? (v: number, i: number) => paramBreakdown(this.table, v, i).total : (v: number, i: number) => this.weightBytes(v, i);
        return splitsUnder(cost, V, I, minVocab, budget.max, shares);
      },
      planSummary: (req) => this.planSummary(req),
      evaluate: (req, text, opts, progress, precision) => this.evaluate(req, text, opts, progress, precision),
      calibrationMode: () => this.requireCalibration().mode,
    };
  }

  async exportPruned(req: PruneRequest, out: OutputFolder, onProgress?: ProgressFn): Promise<ExportSummary> {
    const { sel, vocab } = await this.selection(req);
    const { files, notes } = await exportPrunedFolder({ spec: this.spec, ckpt: this.ckpt, files: this.files, ...this.jsons }, sel, out, { onProgress });
    return {
      files,
      vocabSize: sel.keptVocab.length,
      intermediateSize: req.ffnKeep,
      paramsBefore: paramBreakdown(this.table, this.spec.vocabSize, this.spec.intermediate),
      paramsAfter: paramBreakdown(this.table, sel.keptVocab.length, req.ffnKeep),
      keptByReason: vocab.byReason,
      notes,
    };
  }

  dispose(): void {
    this.preview.drop();
    this.model.source.dispose();
    this.gpu.device.destroy();
  }
}

/** Opens a model folder on `device`: tokenizer first, then config, headers, placement and (resident) weights. */
export async function openSession(device: GPUDevice, files: ModelFiles, opts: OpenOptions = {}): Promise<EngineSession> {
  const gpu = new Gpu(device);
  await checkFastMatmul(gpu); // before any pass may ask for it
  // Every file is checked before anything is uploaded (inspect-folder.ts).
  const { model: inspected, tokenizerJson, tokenizerConfig, tokenizer } = await inspectFolder(files);
  const budgetBytes = opts.gpuMemoryBytes ?? defaultGpuBudget(gpu.limits);
  const budgetSource =
    opts.budgetSource ?? (opts.gpuMemoryBytes === undefined ? `default: 75% of the adapter's maxBufferSize, at most 8 GiB (${formatBytes(budgetBytes)})` : formatBytes(budgetBytes));
  opts.onInspected?.({ tokenizerJson, tokenizerConfig });
  const { ckpt, model, config, generationConfig, plan } = await uploadModel(gpu, inspected, opts.onProgress, { budgetBytes });
  return new EngineSession(gpu, files, model.spec, ckpt, model, tokenizer, { config, generationConfig, tokenizerJson, tokenizerConfig }, plan, budgetSource);
}
