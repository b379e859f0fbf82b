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
  // Streamed: one layer at a time from the files through two slots, vocabulary in 100-row chunks
  // (every family): the same kernels in the same order, so the logits equal the resident ones.
  const cases: [string, number | undefined, 'resident' | 'streamed'][] = [
    ...FOLDERS.map((f): [string, number | undefined, 'resident'] => [f, undefined, 'resident']),
    ['llama-bias-sharded', 100, 'resident'],
    ['qwen2-bf16', 100, 'resident'],
    ...FOLDERS.map((f): [string, number, 'streamed'] => [f, 100, 'streamed']),
  ];
  const residentLogits = new Map<string, Float32Array>();
  for (const [name, chunkRows, mode] of cases) {
    it(mode === 'streamed' ? `${name} streamed layer by layer (100-row vocabulary chunks)` : chunkRows ? `${name} with vocabulary split into ${chunkRows}-row chunks` : name, async () => {
      const { device } = await testDevice();
      const gpu = new Gpu(device);
      const golden = JSON.parse(readFileSync(join(ROOT, name, 'golden.json'), 'utf8')) as Golden;
      const { model } = await openModel(gpu, await openNodeFolder(join(ROOT, name)), undefined, { maxVocabRowsPerChunk: chunkRows, mode });
      if (chunkRows && mode === 'resident') expect(model.source.resident!.embed.length).toBe(3);
      if (mode === 'streamed') expect(model.source.resident).toBeNull();
      const B = golden.input_ids.length;
      const S = golden.input_ids[0].length;
      const V = golden.vocab;
      const logits = await forwardLogits(gpu, model, Uint32Array.from(golden.input_ids.flat()), S);
      model.source.dispose();
      if (mode === 'resident' && !chunkRows) residentLogits.set(name, logits);
      if (mode === 'streamed') {
        const resident = residentLogits.get(name)!;
        let d = 0;
        for (let i = 0; i < logits.length; i++) d = Math.max(d, Math.abs(logits[i] - resident[i]));
        console.log(`${name} streamed vs resident: max |logit diff| ${d}`);
        expect(d).toBe(0);
      }
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
      console.log(`${name}${mode === 'streamed' ? ' (streamed)' : chunkRows ? ' (split)' : ''}: max |logit diff| ${maxDiff.toExponential(2)}  |mean NLL diff| ${nllDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
      expect(nllDiff).toBeLessThanOrEqual(1e-4);
    });
  }
});
