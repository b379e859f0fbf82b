// Research: alternative token scores for the vocabulary ranking (higher = kept first); they
// replace the calibration counts that 'frequency' order sorts by (ties: lower id first).
//   count      the calibration counts as given (the product's frequency order)
//   file:PATH  scores from a JSON array [V] (e.g. the model's summed next-token probabilities
//              over the calibration windows, cpu_eval.py probsum), scaled to integers
//   mix:PATH   counts first, the file's scores break ties among equal counts (unseen tokens too)
import { readFileSync } from 'node:fs';
export type RankingName = string;
export function rankScores(name: RankingName, inp: { counts: Uint32Array; V: number }): Uint32Array {
  if (name === 'count') return inp.counts;
  const [kind, path] = name.split(':');
  const scores: number[] = JSON.parse(readFileSync(path, 'utf8'));
  const max = Math.max(...scores);
  const out = new Uint32Array(inp.V);
  if (kind === 'file') for (let i = 0; i < inp.V; i++) out[i] = Math.round((scores[i] / max) * 4e9);
  else if (kind === 'mix') for (let i = 0; i < inp.V; i++) out[i] = inp.counts[i] * 65536 + Math.round((scores[i] / max) * 65535);
  else throw new Error(`unknown ranking ${name}`);
  return out;
}
