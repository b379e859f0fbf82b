// EngineSession: one loaded model on one GPUDevice, driven by the worker or the CLI.
// Owns the calibration results and at most one pruned preview model at a time.
import { Gpu } from '../gpu/context';
import type { Checkpoint } from '../io/checkpoint';
import type { ModelFiles, OutputFolder } from '../io/source';
import { bytesPerElement, decodeToF32 } from '../io/dtype-decode';
import type { ModelSpec } from '../model/spec-types';
import { weightTable, type WeightRef } from '../model/weights';
import { uploadModel } from '../model/open';
import { createKvCache, createScratch, destroyKvCache, destroyScratch, recordForward, recordLogits, type LoadedModel } from '../model/forward';
import { argmaxRows } from '../gpu/ops';
import { GpuTimer } from '../gpu/timer';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { pruneTokenizerFiles } from '../tokenizer/prune-tokenizer';
import { selectVocabulary, type VocabSelection } from '../prune/vocab-select';
import { activationScores, calibrationWindows, tokenCounts, type CalibrationWindows } from '../prune/calibration';
import { magnitudeScores, PruneSettingsError, selectFfnChannels } from '../prune/ffn-select';
import { buildPrunedModel, destroyPrunedModel, type PrunedModel, type PruneSelection } from '../prune/pruned-model';
import { exportPrunedFolder } from '../prune/export';
import { budgetSplits, paramBreakdown, weightBytes } from '../prune/params';
import { evaluateIds } from '../eval/perplexity';
import type { EngineSessionApi, OpenOptions } from './session-api';
import { inspectFolder } from './inspect-folder';
import type {
  CalibrationOptions, CalibrationSummary, EvalOptions, EvalResult, ExportSummary, GpuMemory, LatencyResult,
  ModelSummary, Placement, PlanSummary, ProgressFn, PruneRequest, SweepPoint, SweepResult,
} from './types';

type Json = Record<string, unknown>;

/** Vocabulary settings before any calibration (planSummary only checks V' then). */
const UNCALIBRATED_VOCAB: Pick<CalibrationOptions, 'vocabOrder' | 'closure'> = { vocabOrder: 'id', closure: true };

interface Calibration {
  opts: CalibrationOptions;
  windows: CalibrationWindows;
  counts: Uint32Array;
  act2: Float64Array[];
  /** common-act2 scores per kept-vocabulary key (exact for each V'). */
  common: Map<string, Float64Array[]>;
}

export class EngineSession implements EngineSessionApi {
  private calibration: Calibration | null = null;
  private magnitude: Float64Array[] | null = null;
  private preview: { key: string; pruned: PrunedModel; tokenizer: TextTokenizer; keptVocab: Uint32Array } | null = null;
  private readonly table: WeightRef[];

  constructor(
    readonly gpu: Gpu,
    readonly files: ModelFiles,
    readonly spec: ModelSpec,
    readonly ckpt: Checkpoint,
    readonly model: LoadedModel,
    readonly tokenizer: TextTokenizer,
    private readonly jsons: { config: Json; generationConfig?: Json; tokenizerJson: Json; tokenizerConfig?: Json },
    readonly placement: Placement,
  ) {
    this.table = weightTable(spec, new Set(ckpt.entries.keys()));
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

  private weightBytes(V: number, I: number): number {
    return weightBytes(this.table, (n) => bytesPerElement(this.ckpt.entries.get(n)!.dtype), V, I);
  }

  async calibrate(text: string, opts: CalibrationOptions, onProgress?: ProgressFn): Promise<CalibrationSummary> {
    const t0 = performance.now();
    onProgress?.({ phase: 'tokenize', done: 0, total: 1, unit: 'steps' });
    const ids = this.tokenizer.encode(text);
    const windows = calibrationWindows(ids, opts.samples, opts.sampleTokens);
    const counts = tokenCounts(windows.ids, this.spec.vocabSize);
    const { act2 } = await activationScores(this.gpu, this.model, windows, null, onProgress);
    this.calibration = { opts, windows, counts, act2, common: new Map() };
    this.vocabCache.clear(); // frequency order depends on the new counts
    this.dropPreview();
    const ms = performance.now() - t0;
    let distinct = 0;
    for (const c of counts) if (c) distinct++;
    return {
      tokens: windows.ids.length,
      distinctTokens: distinct,
      ms,
      tokensPerSecond: (windows.ids.length / ms) * 1000,
      minVocab: this.vocabulary(this.spec.vocabSize).alwaysKept,
      mode: 'exact',
      modeNote: 'exact: f32 math',
    };
  }

  /**
   * Switches vocabulary order, FFN criterion and merge closure after calibrate() without a
   * new pass: counts and act2 are kept, common-act2 scores stay cached per kept-token set.
   */
  setOptions(opts: Pick<CalibrationOptions, 'vocabOrder' | 'criterion' | 'closure'>): void {
    const cal = this.requireCalibration();
    cal.opts = { ...cal.opts, vocabOrder: opts.vocabOrder, criterion: opts.criterion, closure: opts.closure };
  }

  private requireCalibration(): Calibration {
    if (!this.calibration) throw new PruneSettingsError('calibrate first: pruning needs the calibration pass (token counts and FFN scores)');
    return this.calibration;
  }

  /** Vocabulary selections by (order, closure, V'): the sliders, plan and preview ask for the same ones
   *  repeatedly, and one selection walks the whole tokenizer (~0.2 s at 50k tokens). Cleared by calibrate(). */
  private readonly vocabCache = new Map<string, VocabSelection>();

  private vocabulary(keep: number): VocabSelection {
    const cal = this.calibration;
    const opts = cal?.opts ?? UNCALIBRATED_VOCAB;
    const key = `${opts.vocabOrder}/${opts.closure}/${keep}`;
    let sel = this.vocabCache.get(key);
    if (!sel) {
      if (this.vocabCache.size >= 64) this.vocabCache.clear();
      sel = this.selectVocabulary(keep, opts);
      this.vocabCache.set(key, sel);
    }
    return sel;
  }

  private selectVocabulary(keep: number, opts: Pick<CalibrationOptions, 'vocabOrder' | 'closure'>): VocabSelection {
    const cal = this.calibration;
    return selectVocabulary({
      tokenizerJson: this.jsons.tokenizerJson,
      tokenizerConfig: this.jsons.tokenizerConfig,
      generationConfig: this.jsons.generationConfig,
      config: this.jsons.config,
      order: opts.vocabOrder,
      counts: cal?.counts,
      keep,
      closure: opts.closure,
    });
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
    const params = paramBreakdown(this.table, V2, req.ffnKeep);
    return {
      vocabKeep: V2,
      ffnKeep: req.ffnKeep,
      params,
      fileBytes: this.weightBytes(V2, req.ffnKeep),
      gpuBytes: params.total * 4,
      keptByReason: sel.byReason,
    };
  }

  private async ffnScores(keptVocab: Uint32Array): Promise<Float64Array[]> {
    const cal = this.requireCalibration();
    switch (cal.opts.criterion) {
      case 'act2':
        return cal.act2;
      case 'magnitude':
        return (this.magnitude ??= await this.computeMagnitude());
      case 'common-act2': {
        const mask = new Uint8Array(this.spec.vocabSize);
        for (const id of keptVocab) mask[id] = 1;
        // the score only depends on which calibration tokens are kept
        let key = '';
        let all = true;
        for (let id = 0; id < cal.counts.length; id++) if (cal.counts[id] && !mask[id]) { key += `${id},`; all = false; }
        if (all) return cal.act2;
        let scores = cal.common.get(key);
        if (!scores) {
          scores = (await activationScores(this.gpu, this.model, cal.windows, mask)).commonAct2;
          cal.common.set(key, scores);
        }
        return scores;
      }
    }
  }

  private async computeMagnitude(): Promise<Float64Array[]> {
    const out: Float64Array[] = [];
    const { hidden: D, intermediate: I } = this.spec;
    for (let l = 0; l < this.spec.layers; l++) {
      const load = async (role: string) => {
        const ref = this.table.find((r) => r.layer === l && r.role === role)!;
        return decodeToF32(await this.ckpt.readTensorBytes(ref.name), this.ckpt.entries.get(ref.name)!.dtype);
      };
      out.push(magnitudeScores(await load('gate'), await load('up'), await load('down'), I, D));
    }
    return out;
  }

  /** The exact selection for a request: vocabulary by order/closure, FFN by criterion. */
  async selection(req: PruneRequest): Promise<{ sel: PruneSelection; vocab: VocabSelection }> {
    this.checkRequest(req);
    const vocab = this.vocabulary(req.vocabKeep);
    const scores = await this.ffnScores(vocab.keptIds);
    return { sel: { keptVocab: vocab.keptIds, keptFfn: selectFfnChannels(scores, req.ffnKeep) }, vocab };
  }

  private dropPreview(): void {
    if (this.preview) destroyPrunedModel(this.gpu, this.preview.pruned);
    this.preview = null;
  }

  /** The model (and its tokenizer) a request refers to; builds the pruned one on the GPU. */
  private async modelFor(req: PruneRequest | null): Promise<{ model: LoadedModel; tokenizer: TextTokenizer; keptVocab: Uint32Array | null }> {
    if (req === null) return { model: this.model, tokenizer: this.tokenizer, keptVocab: null };
    const o = this.calibration?.opts;
    const key = `${o?.vocabOrder}/${o?.criterion}/${o?.closure}/${req.vocabKeep}/${req.ffnKeep}`;
    if (this.preview?.key !== key) {
      const { sel } = await this.selection(req);
      this.dropPreview();
      const pruned = buildPrunedModel(this.gpu, this.model, sel);
      const files = pruneTokenizerFiles({ ...this.jsons }, sel.keptVocab);
      const tokenizer = TextTokenizer.fromJson(files.tokenizerJson as Json, files.tokenizerConfig as Json | undefined);
      this.preview = { key, pruned, tokenizer, keptVocab: sel.keptVocab };
    }
    return { model: this.preview.pruned.model, tokenizer: this.preview.tokenizer, keptVocab: this.preview.keptVocab };
  }

  async evaluate(req: PruneRequest | null, text: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<EvalResult> {
    const { model, tokenizer, keptVocab } = await this.modelFor(req);
    onProgress?.({ phase: 'tokenize', done: 0, total: 1, unit: 'steps' });
    const ids = tokenizer.encode(text);
    const bosId = opts.bos ? this.bosIdFor(keptVocab) : null;
    return evaluateIds(this.gpu, model, ids, (id) => tokenizer.tokenByteLength(id), {
      maxTokens: opts.tokens,
      seq: opts.seq,
      bosId,
      onProgress,
    });
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

  async latency(req: PruneRequest | null): Promise<LatencyResult> {
    const { model } = await this.modelFor(req);
    const S = 128;
    const s = createScratch(this.gpu, model, S);
    try {
      this.gpu.device.queue.writeBuffer(s.ids, 0, new Uint32Array(S).fill(Math.min(5, model.vocabSize - 1)));
      // GPU time of one prefill (timestamp queries where the adapter has them, principle 11);
      // the first run compiles the pipelines, then the median of 3
      const timer = new GpuTimer(this.gpu);
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const { ms } = await timer.time((rec) => recordForward(this.gpu, rec, model, s, S), 'prefill');
        if (i > 0) times.push(ms);
      }
      timer.destroy();
      const prefillMs = times.sort((a, b) => a - b)[1];
      const decodeMs = await this.decodeStepMs(model);
      return { prefillTokensPerSecond: (S / prefillMs) * 1000, decodeMsPerToken: decodeMs };
    } finally {
      destroyScratch(this.gpu, s);
    }
  }

  /** Decode ms/token with the KV cache: a 32-token prompt, then the median of 5 single-token steps. */
  private async decodeStepMs(model: LoadedModel): Promise<number> {
    const prompt = Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % model.vocabSize);
    const { stepMs } = await this.greedy(model, prompt, 6, false);
    const steps = stepMs.slice(1).sort((a, b) => a - b); // the first step compiles the T=1 pipelines
    return steps[Math.floor(steps.length / 2)];
  }

  /**
   * Greedy decoding with a KV cache: one forward over the prompt fills the cache, then one
   * single-token forward per new token. Returns the new ids and each step's wall time.
   */
  private async greedy(
    model: LoadedModel,
    promptIds: number[],
    maxNewTokens: number,
    stopAtEos: boolean,
    onToken?: (sofar: number[]) => void,
  ): Promise<{ ids: number[]; stepMs: number[] }> {
    const gpu = this.gpu;
    const P = promptIds.length;
    const cache = createKvCache(gpu, model, P + maxNewTokens);
    const prefill = createScratch(gpu, model, P);
    const step = createScratch(gpu, model, 1);
    const hidden = gpu.tensor([1, model.spec.hidden], 'decode hidden');
    const logits = gpu.tensor([1, model.vocabSize], 'decode logits');
    const next = gpu.u32Buffer(1, 'next');
    const out: number[] = [];
    const stepMs: number[] = [];
    try {
      gpu.device.queue.writeBuffer(prefill.ids, 0, Uint32Array.from(promptIds));
      let s = prefill;
      for (let i = 0; i < maxNewTokens; i++) {
        const t0 = performance.now();
        const rec = gpu.recorder('decode step');
        recordForward(gpu, rec, model, s, s.T, undefined, true, cache);
        recordLogits(gpu, rec, model, s, s.T - 1, hidden, logits);
        argmaxRows(gpu, rec, logits, next);
        rec.encoder.copyBufferToBuffer(next, 0, step.ids, 0, 4); // the next step's input stays on the GPU
        rec.submit();
        const [id] = await gpu.readU32(next, 1);
        if (i > 0) stepMs.push(performance.now() - t0);
        cache.pos += s.T;
        s = step;
        out.push(id);
        onToken?.(out);
        if (stopAtEos && this.isEos(model, id)) break;
      }
    } finally {
      destroyKvCache(gpu, cache);
      destroyScratch(gpu, prefill);
      destroyScratch(gpu, step);
      gpu.destroy(hidden);
      gpu.destroy(logits);
      gpu.destroy(next);
    }
    return { ids: out, stepMs };
  }

  private isEos(model: LoadedModel, id: number): boolean {
    if (model === this.model) return this.spec.eosIds.includes(id);
    const kept = this.preview?.keptVocab;
    return kept !== undefined && id < kept.length && this.spec.eosIds.includes(kept[id]);
  }

  async generate(req: PruneRequest | null, prompt: string, maxNewTokens: number, onProgress?: ProgressFn): Promise<string> {
    const { model, tokenizer } = await this.modelFor(req);
    const promptIds = tokenizer.encode(prompt);
    if (promptIds.length === 0) throw new PruneSettingsError('the prompt is empty: type a few words to continue');
    // decode prompt + continuation and cut the prompt's text: decoding the new ids alone
    // would lose a leading space (SentencePiece '▁' is stripped at the start of a decode)
    const head = tokenizer.decode(promptIds);
    const continuation = (ids: number[]) => {
      const full = tokenizer.decode([...promptIds, ...ids]);
      return full.startsWith(head) ? full.slice(head.length) : tokenizer.decode(ids);
    };
    const { ids } = await this.greedy(model, promptIds, maxNewTokens, true, (sofar) =>
      onProgress?.({ phase: 'generate', done: sofar.length, total: maxNewTokens, unit: 'tokens', text: continuation(sofar) }),
    );
    return continuation(ids);
  }

  async sweep(targetParams: number, heldOut: string, opts: EvalOptions, onProgress?: ProgressFn): Promise<SweepResult> {
    this.requireCalibration(); // FFN scores come from it
    const minVocab = this.vocabulary(this.spec.vocabSize).alwaysKept;
    const pairs = budgetSplits(this.table, this.spec.vocabSize, this.spec.intermediate, minVocab, targetParams);
    const points: SweepPoint[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      const step = { phase: 'sweep', done: i, total: pairs.length, unit: 'steps', message: `V'=${p.vocabKeep} I'=${p.ffnKeep}` } as const;
      onProgress?.(step);
      // Each eval batch repeats this step's report: the caller can stop (throw) between batches.
      const r = await this.evaluate({ vocabKeep: p.vocabKeep, ffnKeep: p.ffnKeep }, heldOut, opts, onProgress && (() => onProgress(step)));
      const plan = this.planSummary(p);
      points.push({ vocabKeep: plan.vocabKeep, ffnKeep: p.ffnKeep, params: plan.params.total, bits_per_byte: r.bits_per_byte, ppl: r.ppl });
    }
    onProgress?.({ phase: 'sweep', done: pairs.length, total: pairs.length, unit: 'steps' });
    return { points, mode: 'exact' };
  }

  async exportPruned(req: PruneRequest, out: OutputFolder, onProgress?: ProgressFn): Promise<ExportSummary> {
    const { sel, vocab } = await this.selection(req);
    const { files, notes } = await exportPrunedFolder(
      { spec: this.spec, ckpt: this.ckpt, files: this.files, ...this.jsons },
      sel,
      out,
      { onProgress },
    );
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
    this.dropPreview();
    this.gpu.device.destroy();
  }
}

/** Opens a model folder on `device`: tokenizer first, then config, headers and weights. */
export async function openSession(device: GPUDevice, files: ModelFiles, opts: OpenOptions = {}): Promise<EngineSession> {
  const { onProgress } = opts;
  const gpu = new Gpu(device);
  // Every file is checked before anything is uploaded (inspect-folder.ts).
  const { model: inspected, tokenizerJson, tokenizerConfig, tokenizer } = await inspectFolder(files);
  const { ckpt, model, config, generationConfig } = await uploadModel(gpu, inspected, onProgress);
  const weightBytes = ckpt.totalBytes;
  const placement: Placement = {
    mode: 'resident',
    budgetBytes: opts.gpuMemoryBytes ?? Infinity,
    budgetSource: opts.budgetSource ?? 'default',
    weightBytes,
    residentNeedBytes: weightBytes,
    streamedNeedBytes: weightBytes,
    reason: 'the whole model is kept on the GPU',
    unavailable: [],
  };
  return new EngineSession(gpu, files, model.spec, ckpt, model, tokenizer, { config, generationConfig, tokenizerJson, tokenizerConfig }, placement);
}

