// FFN channel selection: keep the top I' channels per layer by score, the same I'
// in every layer (config.json has one intermediate_size). Pure.

export class PruneSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PruneSettingsError';
  }
}

/** Indices of the `keep` largest scores, returned ascending (channel order preserved). Ties: lower index first. */
export function topChannels(scores: ArrayLike<number>, keep: number): Uint32Array {
  const n = scores.length;
  if (!Number.isInteger(keep) || keep < 1) throw new PruneSettingsError(`FFN channels to keep must be a whole number >= 1 (got ${keep})`);
  if (keep > n) throw new PruneSettingsError(`FFN channels to keep (${keep}) exceed the model's intermediate size ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return Uint32Array.from(order.slice(0, keep)).sort();
}

/** Per-layer kept channels for one criterion's scores ([L][I]). */
export function selectFfnChannels(scoresPerLayer: ArrayLike<number>[], keep: number): Uint32Array[] {
  return scoresPerLayer.map((s) => topChannels(s, keep));
}

/**
 * Weight-only magnitude score of channel j: ||W_down[:, j]||_2 * (||W_gate[j, :]||_2 + ||W_up[j, :]||_2)
 * (the anchors' definition). gate, up: [I, D]; down: [D, I].
 */
/** ||W_down[:, j]||^2 per channel j (down is [D, I] row-major). */
export function downColumnNorms2(down: Float32Array, I: number, D: number): Float64Array {
  const out = new Float64Array(I);
  for (let d = 0; d < D; d++) for (let j = 0; j < I; j++) out[j] += down[d * I + j] ** 2;
  return out;
}

/**
 * Output-aware scores: common-act2_j * ||W_down[:, j]||^2 = the sum over kept-token positions of
 * ||h_tj W_down[:, j]||^2, what removing channel j takes out of the layer's output.
 */
export function outputScores(commonAct2: Float64Array, downNorms2: Float64Array): Float64Array {
  return commonAct2.map((a, j) => a * downNorms2[j]);
}

export function magnitudeScores(gate: Float32Array, up: Float32Array, down: Float32Array, I: number, D: number): Float64Array {
  const out = new Float64Array(I);
  const downSq = new Float64Array(I);
  for (let d = 0; d < D; d++) for (let j = 0; j < I; j++) downSq[j] += down[d * I + j] ** 2;
  for (let j = 0; j < I; j++) {
    let g = 0;
    let u = 0;
    for (let d = 0; d < D; d++) {
      g += gate[j * D + d] ** 2;
      u += up[j * D + d] ** 2;
    }
    out[j] = Math.sqrt(downSq[j]) * (Math.sqrt(g) + Math.sqrt(u));
  }
  return out;
}
