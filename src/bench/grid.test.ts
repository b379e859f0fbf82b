// The benchmark's pure parts: split cells reproduce the anchors' (V', I') and n/a reasons
// on all three reference models (bench/reference); best-cell choice; anchors parsing; report and chart output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnchors } from './anchors';
import { lineChartSvg } from './chart-svg';
import { methodsByName, parseReductions, splitCell, type ModelCosts } from './grid';
import { bestCells, type QualityCell } from './quality';
import { BENCH_REFERENCE } from '../testing/fixtures';


function anchorFile(model: string): any {
  return JSON.parse(readFileSync(join(BENCH_REFERENCE, `quality-${model}.json`), 'utf8'));
}

describe('splitCell', () => {
  for (const model of ['stories260K', 'llama-10m', 'qwen2-14m']) {
    it(`gives the anchors' V', I' and n/a cells on ${model}`, () => {
      const a = anchorFile(model);
      const costs: ModelCosts = {
        dense: a.params_dense.total,
        vocab: a.tokenizer.rows,
        ffn: a.I,
        rowCost: a.costs.vocab_row,
        channelCost: a.costs.ffn_channel_all_layers,
        removableRows: a.tokenizer.removable.id,
      };
      let checked = 0;
      for (const r of a.results.filter((x: any) => x.method === 'compact' && typeof x.split === 'number')) {
        const c = splitCell(costs, r.target, r.split);
        if (r.status === 'ok') {
          expect(c).toMatchObject({ ok: true, vocabKeep: r.vocab_kept, ffnKeep: r.intermediate_size });
        } else {
          expect(c.ok).toBe(false);
          if (!c.ok) expect(c.reason).toBe(r.reason);
        }
        checked++;
      }
      expect(checked).toBe(25);
    });
  }
});

describe('bestCells', () => {
  it('picks the lowest bits/byte among ok cells, null when none', () => {
    const cell = (share: number, bpb: number, status: 'ok' | 'n/a' = 'ok'): QualityCell => ({ method: 'm', r: 0.1, share, status, bits_per_byte: bpb });
    const best = bestCells([cell(0, 2), cell(0.5, 1.5), cell(1, 0.1, 'n/a')], ['m', 'x'], [0.1, 0.2]);
    expect(best.m['0.1']?.share).toBe(0.5);
    expect(best.m['0.2']).toBeNull();
    expect(best.x['0.1']).toBeNull();
  });
});

describe('flags and inputs', () => {
  it('parses reductions and methods, rejecting bad ones', () => {
    expect(parseReductions('10,20,50')).toEqual([0.1, 0.2, 0.5]);
    expect(() => parseReductions('10,abc')).toThrow(/percentages/);
    expect(() => parseReductions('100')).toThrow(RangeError);
    expect(methodsByName(['depth', 'compact']).map((m) => m.name)).toEqual(['depth', 'compact']);
    expect(() => methodsByName(['nope'])).toThrow(/unknown method 'nope'/);
  });
  it('reads the anchors best cells (depth with layers, missing methods absent)', () => {
    const a = parseAnchors(anchorFile('stories260K'), 'stories260K');
    expect(a.denseBpb).toBeCloseTo(1.0816, 4);
    expect(a.best.depth['0.1']).toMatchObject({ layers: 4, share: null });
    expect(a.best.compact['0.3']?.bpb).toBeCloseTo(2.5933, 4);
    expect(a.blockInfluence).toHaveLength(5);
    expect(() => parseAnchors({}, 'x.json')).toThrow(/not a reference quality file/);
  });
  it('draws one polyline per series on a log axis', () => {
    const svg = lineChartSvg('t', [
      { name: 'a', points: [{ x: 10, y: 1.4 }, { x: 20, y: 2 }] },
      { name: 'b<c', points: [{ x: 10, y: 30 }] },
    ], 1.08);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('b&lt;c');
    expect(svg).toContain('dense 1.080');
  });
});
