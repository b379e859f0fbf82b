// The issue-11 table: the reference's best cell over all its methods (extras included) per
// reduction, each target method with its chosen split and its difference to that cell.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_REFERENCE } from '../testing/fixtures';
import { parseAnchors } from './anchors';
import type { ModelQuality, QualityCell } from './quality';
import { bestCells } from './quality';
import { referenceBest, targetMarkdown } from './report';

const anchors = parseAnchors(JSON.parse(readFileSync(join(BENCH_REFERENCE, 'quality-llama-10m.json'), 'utf8')), 'llama-10m');

describe('targetMarkdown', () => {
  it("takes the reference's lowest cell over every method, extras included", () => {
    const b = referenceBest(anchors, '0.3')!;
    expect(b.method).toBe('compact-freq-closed');
    expect(b.cell.bpb).toBeCloseTo(1.6101, 4);
    expect(b.cell.vocabKeep).toBe(20093);
  });

  it('prints each target cell with its split, selection number and difference; auto labelled optimistic', () => {
    const cell = (method: string, r: number, bpb: number, extra: Partial<QualityCell> = {}): QualityCell => ({
      method, r, share: 1, status: 'ok', order: 'frequency', closure: true, vocabKeep: 20093, ffnKeep: 512, params: 1, reduction: r, bits_per_byte: bpb, ppl: 2, ...extra,
    });
    const cells = [
      cell('target', 0.3, 1.5430, { countSpan: 'text', criterion: 'common-act2', select_bits_per_byte: 1.5845, candidates: 17 }),
      cell('target', 0.5, 1.8600, { criterion: 'common-act2', select_bits_per_byte: 1.9, candidates: 17 }),
      cell('auto', 0.3, 1.6101),
      cell('auto', 0.5, 1.8446),
    ];
    const q = { model: 'llama-10m', cells, best: bestCells(cells, ['target', 'auto'], [0.3, 0.5]) } as unknown as ModelQuality;
    const md = targetMarkdown(q, anchors);
    console.log(md);
    const row30 = md.split('\n').find((l) => l.startsWith('| 30% |'))!;
    expect(row30).toContain('1.6101<br>compact-freq-closed s=1');
    expect(row30).toContain("**1.5430** (-0.0671 ✓)<br>V'=20093 I'=512 freq/text s=1 common-act2; selection 1.5845 of 17");
    const row50 = md.split('\n').find((l) => l.startsWith('| 50% |'))!;
    expect(row50).toContain('**1.8600** (+0.0154 ✗)');
    expect(md).toContain('auto (OPTIMISTIC: chosen on the evaluation text)');
  });
});
