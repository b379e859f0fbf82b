// The evaluation protocol of docs/DESIGN.md, as pure functions over token ids.
// Keep the first N tokens, cut consecutive windows of S (a partial last window is
// dropped), every window on its own; predicted positions are 1..S-1 of each window.

export interface WindowPlan {
  /** ids of all kept windows, concatenated: [W * S] (with BOS prepended when asked: [W * (S)] where S counts the BOS). */
  ids: Uint32Array;
  windows: number;
  seqLen: number;
  /** 1 where position t predicts a target (ids[t+1] of the same window), else 0: [W * S]. */
  predicts: Uint8Array;
  /** target id per position (0 where predicts is 0): [W * S]. */
  targets: Uint32Array;
}

/**
 * @param tokens ids of the whole text (no special tokens)
 * @param maxTokens keep the first N (Infinity: all)
 * @param seq window length S
 * @param bosId when not null, each window is BOS + the next S-1 text tokens (so S positions in all).
 */
export function planWindows(tokens: ArrayLike<number>, maxTokens: number, seq: number, bosId: number | null = null): WindowPlan {
  if (!Number.isInteger(seq) || seq < 2) throw new RangeError(`window length must be an integer >= 2 (got ${seq})`);
  const kept = Math.min(tokens.length, maxTokens);
  const body = bosId === null ? seq : seq - 1;
  const windows = Math.floor(kept / body);
  if (windows === 0) {
    throw new RangeError(`the text has ${kept} tokens, fewer than one window of ${body}: use a longer text or a smaller --seq`);
  }
  const ids = new Uint32Array(windows * seq);
  const predicts = new Uint8Array(windows * seq);
  const targets = new Uint32Array(windows * seq);
  for (let w = 0; w < windows; w++) {
    const base = w * seq;
    let p = 0;
    if (bosId !== null) ids[base + p++] = bosId;
    for (let i = 0; i < body; i++) ids[base + p++] = tokens[w * body + i];
    for (let i = 0; i < seq - 1; i++) {
      predicts[base + i] = 1;
      targets[base + i] = ids[base + i + 1];
    }
  }
  return { ids, windows, seqLen: seq, predicts, targets };
}

export interface NllTotals {
  sumNll: number;
  predicted: number;
  bytes: number;
}

/** Adds per-position NLL (f32 from the GPU) of one batch of windows into float64 totals. */
export function accumulateNll(
  totals: NllTotals,
  nll: Float32Array,
  predicts: Uint8Array,
  targets: Uint32Array,
  tokenBytes: (id: number) => number,
  offset = 0,
): void {
  for (let t = 0; t < nll.length; t++) {
    if (!predicts[offset + t]) continue;
    const v = nll[t];
    if (!Number.isFinite(v)) throw new Error(`non-finite NLL at position ${offset + t}: the forward pass produced ${v}`);
    totals.sumNll += v;
    totals.predicted += 1;
    totals.bytes += tokenBytes(targets[offset + t]);
  }
}

/** Perplexity and bits per byte of one evaluation (DESIGN.md protocol). */
export interface EvalResult {
  tokens: number;
  windows: number;
  predicted: number;
  mean_nll: number;
  ppl: number;
  bits_per_byte: number;
  bytes: number;
}

export function summarise(totals: NllTotals, tokens: number, windows: number): EvalResult {
  if (totals.bytes === 0) {
    // every predicted token is special (0 bytes): bits per byte would be Infinity, a silent wrong answer
    throw new RangeError(`the ${totals.predicted} predicted tokens stand for no text bytes (only special tokens?): use a text the tokenizer maps to ordinary tokens`);
  }
  const mean = totals.sumNll / totals.predicted;
  return {
    tokens,
    windows,
    predicted: totals.predicted,
    mean_nll: mean,
    ppl: Math.exp(mean),
    bits_per_byte: totals.sumNll / Math.LN2 / totals.bytes,
    bytes: totals.bytes,
  };
}

/** The first `maxBytes` of UTF-8, cut at a character boundary (the comparison span of DESIGN.md). */
export function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back off continuation bytes
  return new TextDecoder().decode(bytes.subarray(0, end));
}
