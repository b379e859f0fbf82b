// End-to-end goldens: tiny random checkpoints of every family, logits and NLL from
// transformers 5.17 (fp32, eager attention; scripts/py/make_goldens.py). Tolerances from
// the issue: max |logit difference| <= 1e-3, |mean NLL difference| <= 1e-4.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { openModel } from './open';
import { forwardLogits } from './logits';

const ROOT = resolve(import.meta.dirname, '../../fixtures/goldens');
const FOLDERS = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

interface Golden {
  input_ids: number[][];
  logits: number[][][];
  mean_nll: number;
  vocab: number;
}

function logSoftmaxAt(row: Float32Array, target: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return Math.log(sum) + max - row[target];
}

describe('forward pass vs transformers goldens', () => {
  it('covers every family', () => {
    const types = FOLDERS.map((f) => JSON.parse(readFileSync(join(ROOT, f, 'config.json'), 'utf8')).model_type);
    for (const t of ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3_text']) expect(types).toContain(t);
  });
  // The split path for vocabulary tables larger than one storage binding, forced with
  // 100-row chunks (V = 256 -> 3 chunks): untied (llama-bias-sharded) and tied (qwen2-bf16).
  const cases: [string, number | undefined][] = [
    ...FOLDERS.map((f): [string, number | undefined] => [f, undefined]),
    ['llama-bias-sharded', 100],
    ['qwen2-bf16', 100],
  ];
  for (const [name, chunkRows] of cases) {
    it(chunkRows ? `${name} with vocabulary split into ${chunkRows}-row chunks` : name, async () => {
      const { device } = await testDevice();
      const gpu = new Gpu(device);
      const golden = JSON.parse(readFileSync(join(ROOT, name, 'golden.json'), 'utf8')) as Golden;
      const { model } = await openModel(gpu, await openNodeFolder(join(ROOT, name)), undefined, { maxVocabRowsPerChunk: chunkRows });
      if (chunkRows) expect(model.weights.embed.length).toBe(3);
      const B = golden.input_ids.length;
      const S = golden.input_ids[0].length;
      const V = golden.vocab;
      const logits = await forwardLogits(gpu, model, Uint32Array.from(golden.input_ids.flat()), S);
      let maxDiff = 0;
      let nllSum = 0;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < S; t++) {
          const row = logits.subarray((b * S + t) * V, (b * S + t + 1) * V);
          const ref = golden.logits[b][t];
          for (let v = 0; v < V; v++) maxDiff = Math.max(maxDiff, Math.abs(row[v] - ref[v]));
          if (t < S - 1) nllSum += logSoftmaxAt(row, golden.input_ids[b][t + 1]);
        }
      }
      const meanNll = nllSum / (B * (S - 1));
      const nllDiff = Math.abs(meanNll - golden.mean_nll);
      console.log(`${name}${chunkRows ? ' (split)' : ''}: max |logit diff| ${maxDiff.toExponential(2)}  |mean NLL diff| ${nllDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
      expect(nllDiff).toBeLessThanOrEqual(1e-4);
    });
  }
});
