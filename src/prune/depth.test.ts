// Depth baseline: row cosines, the drop rule, the layer-dropped model, and BI on the
// real stories260K through the forward hook (2 windows of 32 tokens: fast on SwiftShader).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../gpu/context';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { openModel } from '../model/open';
import { TextTokenizer } from '../tokenizer/text-tokenizer';
import { loadCorpus, STORIES260K } from '../testing/fixtures';
import { calibrationWindows } from './calibration';
import { accumulateRowCosines, blockInfluence, dropLayers, layersToDrop } from './depth';


describe('accumulateRowCosines', () => {
  it('averages per-row cosines (parallel 1, orthogonal 0, opposite -1)', () => {
    const acc = { sum: 0, rows: 0 };
    accumulateRowCosines(Float32Array.from([1, 0, 0, 2, 3, 4]), Float32Array.from([2, 0, 5, 0, -3, -4]), 2, acc);
    expect(acc.rows).toBe(3);
    expect(acc.sum).toBeCloseTo(1 + 0 - 1, 12);
  });
  it('rejects mismatched sizes', () => {
    expect(() => accumulateRowCosines(new Float32Array(4), new Float32Array(6), 2, { sum: 0, rows: 0 })).toThrow(RangeError);
  });
});

describe('layersToDrop', () => {
  it('drops the lowest BI first until the target is reached', () => {
    // stories260K's anchors: BI [0.213, 0.176, 0.138, 0.132, 0.130], 45,440 params per layer
    const bi = [0.213, 0.176, 0.138, 0.132, 0.13];
    const cost = new Array(5).fill(45440);
    expect(layersToDrop(bi, cost, 26003.2)).toEqual([4]);
    expect(layersToDrop(bi, cost, 52006.4)).toEqual([3, 4]);
    expect(layersToDrop(bi, cost, 90880)).toEqual([3, 4]);
    expect(layersToDrop(bi, cost, 90881)).toEqual([2, 3, 4]);
    expect(layersToDrop(bi, cost, 0)).toEqual([]);
  });
  it('keeps at least one layer (null when the target needs them all)', () => {
    expect(layersToDrop([0.5, 0.1], [10, 10], 20)).toBeNull();
    expect(layersToDrop([0.5, 0.1], [10, 10], 10)).toEqual([1]);
  });
});

describe('blockInfluence + dropLayers on stories260K', () => {
  it('is a real 1 - cos per layer, and dropping the last layer leaves the others unchanged', async () => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const dir = STORIES260K;
    const { model } = await openModel(gpu, await openNodeFolder(dir));
    const tok = TextTokenizer.fromJson(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')));
    const ids = tok.encode(loadCorpus('wikitext2').slice(0, 4000));
    const cal = calibrationWindows(ids, 2, 32);

    const bi = await blockInfluence(gpu, model, cal, 1 << 28);
    console.log('stories260K BI (2 x 32 tokens):', bi.map((b) => b.toFixed(4)).join(' '));
    expect(bi).toHaveLength(5);
    for (const b of bi) {
      expect(b).toBeGreaterThan(0); // every layer changes the stream
      expect(b).toBeLessThan(1);
    }

    const short = dropLayers(model, [4]);
    expect(short.spec.layers).toBe(4);
    expect(short.source.resident!.layers).toEqual(model.source.resident!.layers.slice(0, 4));
    expect(model.spec.layers).toBe(5); // the original is untouched
    const biShort = await blockInfluence(gpu, short, cal, 1 << 28);
    expect(biShort).toEqual(bi.slice(0, 4)); // same kernels, same inputs: bit-identical

    const noFirst = dropLayers(model, [0]);
    expect(noFirst.source.resident!.layers[0]).toBe(model.source.resident!.layers[1]);
    expect(noFirst.spec.layerKinds).toHaveLength(4);
    expect(() => dropLayers(model, [5])).toThrow(/layers 0..4/);
    expect(() => dropLayers(model, [0, 1, 2, 3, 4])).toThrow(/at least one/);
  }, 120_000);
});
