// Research: a re-tokenization-aware merge closure. The product's closure keeps, with a token, the
// two parts of the FIRST merge in the list that produces it; BPE on a real word may build the
// token through other intermediate tokens, so a kept token can become unreachable (select.ts
// `reach` counts them). Here a token's parents are the two symbols of the LAST merge BPE applies
// when it encodes the token's own string (merges by rank, lowest first), so every kept token
// stays reachable at least as a word of its own. Otherwise the same walk as selectVocabulary.
import { alwaysKeptTokens } from '../../src/tokenizer/special';
import type { TokenizerJson } from '../../src/tokenizer/tokenizer-json';
import { mergeResult, readMerges, tokenStringsById } from '../../src/tokenizer/tokenizer-json';
import { mergeParents } from '../../src/prune/vocab-select';

export function pathParents(json: TokenizerJson): ([number, number] | undefined)[] {
  const strings = tokenStringsById(json);
  const idOf = new Map<string, number>();
  strings.forEach((s, id) => s !== undefined && !idOf.has(s) && idOf.set(s, id));
  const rank = new Map<string, number>();
  readMerges(json.model).forEach(([a, b], i) => { const k = `${a} ${b}`; if (!rank.has(k)) rank.set(k, i); });
  const first = mergeParents(json, strings);
  const out: ([number, number] | undefined)[] = new Array(strings.length);
  for (let id = 0; id < strings.length; id++) {
    const s = strings[id];
    if (s === undefined || [...s].length < 2) continue;
    let sym = [...s];
    let last: [string, string] | null = null;
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < sym.length; i++) {
        const r = rank.get(`${sym[i]} ${sym[i + 1]}`);
        if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
      }
      if (best < 0) break;
      last = [sym[best], sym[best + 1]];
      sym = [...sym.slice(0, best), mergeResult(json.model, sym[best], sym[best + 1]), ...sym.slice(best + 2)];
    }
    const l = last && idOf.get(last[0]);
    const r = last && idOf.get(last[1]);
    out[id] = sym.length === 1 && sym[0] === s && l !== undefined && r !== undefined && l !== null && r !== null ? [l, r] : first[id];
  }
  return out;
}

export function selectPathClosed(inp: { tokenizerJson: any; tokenizerConfig?: any; generationConfig?: any; config?: any; counts: Uint32Array; keep: number; order: 'id' | 'frequency' }): Uint32Array {
  const json = inp.tokenizerJson as TokenizerJson;
  const strings = tokenStringsById(json);
  const V = Math.max(strings.length, inp.config?.vocab_size ?? 0);
  const kept = new Uint8Array(V);
  const always = alwaysKeptTokens(json, inp.tokenizerConfig, inp.generationConfig, inp.config);
  for (const id of always.keys()) kept[id] = 1;
  let budget = inp.keep - always.size;
  const parents = pathParents(json);
  const hole = (id: number) => (strings[id] === undefined ? 1 : 0);
  const ids = Array.from({ length: V }, (_, i) => i).sort((a, b) => hole(a) - hole(b) || (inp.order === 'frequency' ? inp.counts[b] - inp.counts[a] : 0) || a - b);
  for (const id of ids) {
    if (budget === 0) break;
    if (kept[id]) continue;
    const seen = new Set([id]);
    const stack = [id];
    while (stack.length) {
      const p = parents[stack.pop()!];
      if (!p) continue;
      for (const q of p) if (!kept[q] && !seen.has(q)) { seen.add(q); stack.push(q); }
    }
    if (seen.size > budget) continue;
    for (const m of seen) kept[m] = 1;
    budget -= seen.size;
  }
  const out: number[] = [];
  for (let id = 0; id < V; id++) if (kept[id]) out.push(id);
  return Uint32Array.from(out);
}
