// Where a pass gets its weights. A resident source holds every tensor on the GPU for the session;
// a streamed source (streamed-source.ts) uploads one decoder layer at a time from the files and
// the vocabulary tables in row chunks. Passes are written against this interface only, so they
// run the same kernels in the same order either way (streamed results equal resident ones).
import type { Gpu } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { destroyWeights, type LayerWeights, type ModelWeights, type VocabChunk } from './load';

export interface WeightSource {
  /** every weight on the GPU (resident sources); null when layers are streamed. */
  readonly resident: ModelWeights | null;
  /** layer l's weights, ready to record against (streamed: their upload is queued). `next`: the
   *  layer the pass asks for after this one, which a streamed source starts reading now. */
  layer(l: number, next?: number): Promise<LayerWeights>;
  /** the work that reads layer l's weights is submitted: its slot may take a later layer. */
  release(l: number): void;
  /**
   * Calls use(chunk) for every row chunk of the embedding or the LM head, in row order. use()
   * records and submits the work that reads the chunk before it returns (streamed sources
   * reuse chunk slots).
   */
  forEachVocabChunk(which: 'embed' | 'lmHead', use: (c: VocabChunk) => void): Promise<void>;
  /** the most rows one chunk of that table has (sizes the logits buffer). */
  vocabChunkRows(which: 'embed' | 'lmHead'): number;
  readonly finalNorm: Tensor;
  /** GPU bytes this source holds (the whole model, or its slots). */
  gpuBytes(): number;
  dispose(): void;
}

export function residentSource(gpu: Gpu, weights: ModelWeights, bytes: number): WeightSource {
  return {
    resident: weights,
    layer: async (l) => weights.layers[l],
    release: () => {},
    async forEachVocabChunk(which, use) {
      for (const c of which === 'embed' ? weights.embed : weights.lmHead) use(c);
    },
    vocabChunkRows: (which) => Math.max(...(which === 'embed' ? weights.embed : weights.lmHead).map((c) => c.rows)),
    finalNorm: weights.finalNorm,
    gpuBytes: () => bytes,
    dispose: () => destroyWeights(gpu, weights),
  };
}

/** A source over some of another's layers (depth pruning): layer i runs the base's layer keep[i]. */
export function layerSubset(base: WeightSource, keep: number[]): WeightSource {
  const resident = base.resident ? { ...base.resident, layers: keep.map((l) => base.resident!.layers[l]) } : null;
  return {
    resident,
    layer: (l, next) => base.layer(keep[l], next === undefined ? undefined : keep[next]),
    release: (l) => base.release(keep[l]),
    forEachVocabChunk: (which, use) => base.forEachVocabChunk(which, use),
    vocabChunkRows: (which) => base.vocabChunkRows(which),
    finalNorm: base.finalNorm,
    gpuBytes: () => 0, // shares the base's tensors
    dispose: () => {},
  };
}
