// The pruned model the preview, the sweep and generation run: one at a time, keyed by the
// request and the options that shaped it. Gathered once when the original is resident and
// there is room in the budget for the copies; otherwise gathered layer by layer per pass.
import type { Gpu } from '../gpu/context';
import type { LoadedModel } from '../model/forward';
import type { WeightRef } from '../model/weights';
import { buildPrunedModel, prunedCacheBytes, type PrunedModel, type PruneSelection } from '../prune/pruned-model';
import { pruneTokenizerFiles } from '../tokenizer/prune-tokenizer';
import { TextTokenizer } from '../tokenizer/text-tokenizer';

type Json = Record<string, unknown>;

export interface PreviewModel {
  key: string;
  pruned: PrunedModel;
  tokenizer: TextTokenizer;
  keptVocab: Uint32Array;
}

export interface PreviewInputs {
  gpu: Gpu;
  base: LoadedModel;
  table: WeightRef[];
  elemBytes: (name: string) => number;
  /** GPU bytes per element of a table entry (stored dtype for matrices, f32 for vectors) */
  gpuElemBytes: (ref: WeightRef) => number;
  jsons: { config: Json; generationConfig?: Json; tokenizerJson: Json; tokenizerConfig?: Json };
  /** bytes the budget leaves beside what is allocated now, after one window's activations */
  room: () => number;
}

export class PreviewCache {
  private current: PreviewModel | null = null;

  constructor(private readonly inp: PreviewInputs) {}

  async get(key: string, selection: () => Promise<PruneSelection>): Promise<PreviewModel> {
    if (this.current?.key === key) return this.current;
    const sel = await selection();
    this.drop();
    const { gpu, base, table, elemBytes, jsons } = this.inp;
    const cache = base.source.resident !== null && prunedCacheBytes(table, elemBytes, sel) <= this.inp.room();
    const pruned = buildPrunedModel(gpu, base, sel, table, { cache, gpuElemBytes: this.inp.gpuElemBytes });
    const files = pruneTokenizerFiles({ ...jsons }, sel.keptVocab);
    const tokenizer = TextTokenizer.fromJson(files.tokenizerJson as Json, files.tokenizerConfig as Json | undefined);
    this.current = { key, pruned, tokenizer, keptVocab: sel.keptVocab };
    return this.current;
  }

  /** GPU bytes the preview holds beside the original. */
  gpuBytes(): number {
    return this.current?.pruned.gpuBytes() ?? 0;
  }

  drop(): void {
    this.current?.pruned.dispose();
    this.current = null;
  }
}
