// FFN channel scores for each criterion, from one calibration: act2 (all positions) comes with
// the calibration pass; common-act2 depends on which calibration tokens the pruned vocabulary
// keeps, so it is computed once per distinct kept set (a pass, cached) - equal to act2 when
// every calibration token is kept; magnitude comes from the weights alone (computed once);
// output-act2 is common-act2 times ||W_down[:, j]||^2 (the channel's share of the layer output).
import type { Gpu } from '../gpu/context';
import type { Checkpoint } from '../io/checkpoint';
import { decodeToF32 } from '../io/dtype-decode';
import type { LoadedModel } from '../model/forward';
import type { WeightRef } from '../model/weights';
import { activationScores, type CalibrationWindows } from './calibration';
import { downColumnNorms2, magnitudeScores, outputScores } from './ffn-select';

import type { Criterion } from './criteria';
export { CRITERIA, type Criterion } from './criteria';

export interface ScorerInputs {
  gpu: Gpu;
  model: LoadedModel;
  ckpt: Checkpoint;
  table: WeightRef[];
  windows: CalibrationWindows;
  /** calibration token counts per id ([V]) */
  counts: Uint32Array;
  /** act2 per layer from the calibration pass */
  act2: Float64Array[];
  activationBytes: number;
}

export class FfnScorer {
  private readonly common = new Map<string, Float64Array[]>();
  private magnitude: Float64Array[] | null = null;
  private downNorms: Float64Array[] | null = null;

  constructor(private readonly inp: ScorerInputs) {}

  async scores(criterion: Criterion, keptVocab: Uint32Array): Promise<Float64Array[]> {
    switch (criterion) {
      case 'act2':
        return this.inp.act2;
      case 'magnitude':
        return (this.magnitude ??= await this.perLayer(magnitudeScores));
      case 'common-act2':
        return this.commonAct2(keptVocab);
      case 'output-act2': {
        const norms = (this.downNorms ??= await this.perLayer((_g, _u, d, I, D) => downColumnNorms2(d, I, D)));
        return (await this.commonAct2(keptVocab)).map((a, l) => outputScores(a, norms[l]));
      }
    }
  }

  /** Calibration tokens the pruned vocabulary drops, as a cache key ('' when it keeps them all). */
  droppedKey(keptVocab: Uint32Array): string {
    const { counts } = this.inp;
    const mask = new Uint8Array(counts.length);
    for (const id of keptVocab) mask[id] = 1;
    let key = '';
    for (let id = 0; id < counts.length; id++) if (counts[id] && !mask[id]) key += `${id},`;
    return key;
  }

  private async commonAct2(keptVocab: Uint32Array): Promise<Float64Array[]> {
    const key = this.droppedKey(keptVocab);
    if (key === '') return this.inp.act2; // every calibration token kept: common-act2 = act2
    let scores = this.common.get(key);
    if (!scores) {
      const { gpu, model, windows, activationBytes } = this.inp;
      const mask = new Uint8Array(model.spec.vocabSize);
      for (const id of keptVocab) mask[id] = 1;
      scores = (await activationScores(gpu, model, windows, mask, { activationBytes })).commonAct2;
      if (this.common.size >= 32) this.common.clear();
      this.common.set(key, scores);
    }
    return scores;
  }

  /** f(gate, up, down, I, D) per layer over the stored weights (read from the files, once). */
  private async perLayer(f: (gate: Float32Array, up: Float32Array, down: Float32Array, I: number, D: number) => Float64Array): Promise<Float64Array[]> {
    const { model, ckpt, table } = this.inp;
    const { hidden: D, intermediate: I } = model.spec;
    const out: Float64Array[] = [];
    for (let l = 0; l < model.spec.layers; l++) {
      const load = async (role: string) => {
        const ref = table.find((r) => r.layer === l && r.role === role)!;
        return decodeToF32(await ckpt.readTensorBytes(ref.name), ckpt.entries.get(ref.name)!.dtype);
      };
      out.push(f(await load('gate'), await load('up'), await load('down'), I, D));
    }
    return out;
  }
}
