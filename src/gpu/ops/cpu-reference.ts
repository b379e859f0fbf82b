// Plain CPU references for every GPU op (f64 accumulation where it matters), used by the tests.
// Same shapes and letters as the kernels; arrays are row-major.
/** y[t, n] = sum_k x[t,k] w[n,k] + bias[n]; x [T, Kd], w [N, Kd]. */
export function matmulRef(x: Float32Array, w: Float32Array, T: number, N: number, Kd: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(T * N);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < Kd; k++) s += x[t * Kd + k] * w[n * Kd + k];
      y[t * N + n] = s + (bias ? bias[n] : 0);
    }
  return y;
}

export function rmsNormRef(x: Float32Array, w: Float32Array, R: number, C: number, eps: number, plusOne: boolean): Float32Array {
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[r * C + c] ** 2;
    const inv = 1 / Math.sqrt(ss / C + eps);
    for (let c = 0; c < C; c++) out[r * C + c] = x[r * C + c] * inv * ((plusOne ? 1 : 0) + w[c]);
  }
  return out;
}

/** HF rotate_half rope; freqs rounded to f32 like torch (pos * inv_freq in f32). */
export function ropeRef(x: Float32Array, T: number, H: number, E: number, seqLen: number, positionOffset: number, invFreq: Float32Array, scaling: number): Float32Array {
  const out = Float32Array.from(x);
  const half = E / 2;
  for (let t = 0; t < T; t++) {
    const pos = (t % seqLen) + positionOffset;
    for (let h = 0; h < H; h++)
      for (let i = 0; i < half; i++) {
        const f = Math.fround(pos * invFreq[i]);
        const c = Math.cos(f) * scaling;
        const s = Math.sin(f) * scaling;
        const base = (t * H + h) * E;
        const x1 = x[base + i];
        const x2 = x[base + i + half];
        out[base + i] = x1 * c - x2 * s;
        out[base + i + half] = x2 * c + x1 * s;
      }
  }
  return out;
}

export interface AttentionRefOptions {
  H: number;
  K: number;
  E: number;
  seqLen: number;
  scale: number;
  softcap?: number | null;
  slidingWindow?: number | null;
  kvLen?: number;
}

/** Masked softmax attention, see ops/attention.ts for the layout. q [T, H*E], k/v [Tk, K*E]. */
export function attentionRef(q: Float32Array, k: Float32Array, v: Float32Array, T: number, Tk: number, o: AttentionRefOptions): Float32Array {
  const { H, K, E, seqLen } = o;
  const B = T / seqLen;
  const kvLen = o.kvLen ?? seqLen;
  const cacheRows = Tk / B;
  const out = new Float32Array(T * H * E);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < seqLen; i++) {
      const pos = kvLen - seqLen + i;
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / (H / K));
        const qOff = ((b * seqLen + i) * H + h) * E;
        const scores: number[] = [];
        const keys: number[] = [];
        for (let j = 0; j <= pos; j++) {
          if (o.slidingWindow && pos - j >= o.slidingWindow) continue;
          const kOff = ((b * cacheRows + j) * K + kvh) * E;
          let s = 0;
          for (let e = 0; e < E; e++) s += q[qOff + e] * k[kOff + e];
          s *= o.scale;
          if (o.softcap) s = o.softcap * Math.tanh(s / o.softcap);
          scores.push(s);
          keys.push(j);
        }
        const m = Math.max(...scores);
        const p = scores.map((s) => Math.exp(s - m));
        const l = p.reduce((a, c) => a + c, 0);
        for (let e = 0; e < E; e++) {
          let acc = 0;
          keys.forEach((j, n) => (acc += p[n] * v[((b * cacheRows + j) * K + kvh) * E + e]));
          out[qOff + e] = acc / l;
        }
      }
    }
  return out;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for a reference; use a series/continued fraction split.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc continued fraction (Lentz)
    let f = ax;
    for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

export function activationRef(g: number, kind: 'silu' | 'gelu_tanh' | 'gelu'): number {
  if (kind === 'silu') return g / (1 + Math.exp(-g));
  if (kind === 'gelu_tanh') return 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g ** 3)));
  return 0.5 * g * (1 + erf(g / Math.SQRT2));
}

export function gatedActivationRef(gate: Float32Array, up: Float32Array, kind: 'silu' | 'gelu_tanh' | 'gelu'): Float32Array {
  return gate.map((g, i) => activationRef(g, kind) * up[i]);
}

export function embeddingRef(table: Float32Array, Vc: number, D: number, ids: Uint32Array, prior: Float32Array, scale = 1, rowOffset = 0): Float32Array {
  const out = Float32Array.from(prior);
  ids.forEach((id, t) => {
    if (id < rowOffset || id - rowOffset >= Vc) return;
    for (let d = 0; d < D; d++) out[t * D + d] = table[(id - rowOffset) * D + d] * scale;
  });
  return out;
}

export function logSoftmaxNllRef(logits: Float32Array, T: number, V: number, targets: Uint32Array, softcap?: number | null): Float32Array {
  const nll = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    const row = Array.from(logits.subarray(t * V, (t + 1) * V), (z) => (softcap ? softcap * Math.tanh(z / softcap) : z));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, z) => a + Math.exp(z - m), 0));
    nll[t] = targets[t] < V ? lse - row[targets[t]] : NaN;
  }
  return nll;
}

export function argmaxRowsRef(logits: Float32Array, T: number, V: number): Uint32Array {
  const out = new Uint32Array(T);
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let j = 1; j < V; j++) if (logits[t * V + j] > logits[t * V + best]) best = j;
    out[t] = best;
  }
  return out;
}

export function ffnStatsRef(h: Float32Array, T: number, I: number, weight: Float32Array): { sumWeighted: Float32Array; sumAll: Float32Array } {
  const sumWeighted = new Float32Array(I);
  const sumAll = new Float32Array(I);
  for (let j = 0; j < I; j++) {
    let sw = 0;
    let sa = 0;
    for (let t = 0; t < T; t++) {
      const v2 = h[t * I + j] ** 2;
      sa += v2;
      sw += weight[t] * v2;
    }
    sumWeighted[j] = sw;
    sumAll[j] = sa;
  }
  return { sumWeighted, sumAll };
}

export function gatherRowsRef(src: Float32Array, R: number, C: number, idx: Uint32Array): Float32Array {
  const out = new Float32Array(idx.length * C);
  idx.forEach((r, i) => {
    if (r < R) out.set(src.subarray(r * C, (r + 1) * C), i * C);
  });
  return out;
}

export function gatherColsRef(src: Float32Array, R: number, C: number, idx: Uint32Array): Float32Array {
  const C2 = idx.length;
  const out = new Float32Array(R * C2);
  for (let r = 0; r < R; r++) idx.forEach((c, i) => (out[r * C2 + i] = c < C ? src[r * C + c] : 0));
  return out;
}
