// bench-export: the gather pattern it prunes with, and one real run on stories260K (the JSON that
// BENCHMARKS.md quotes: both timings per rep, fewer bytes written than read, nothing left on disk).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBenchExport, spreadIds } from './bench-export';
import { STORIES260K } from '../testing/fixtures';

describe('bench-export', () => {
  afterEach(() => vi.restoreAllMocks());
  it('spreads kept ids evenly, ascending and distinct', () => {
    expect([...spreadIds(8, 6)]).toEqual([0, 1, 2, 4, 5, 6]);
    const ids = spreadIds(151936, 113952);
    expect(ids.length).toBe(113952);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    expect(ids[ids.length - 1]).toBeLessThan(151936);
  });
  it('times the copy and the export in one run and leaves nothing behind', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cs-bench-export-'));
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(s));
    try {
      await runBenchExport(['--model', STORIES260K, '--out', base, '--reps', '2', '--vocab-ratio', '0.5', '--ffn-ratio', '0.5']);
      const r = JSON.parse(lines.join('\n'));
      expect(r.kept).toEqual({ vocab: 256, ffn: 86 }); // of 512 and 172
      expect(r.rows).toHaveLength(2);
      for (const row of r.rows) {
        expect(row.copy_s).toBeGreaterThan(0);
        expect(row.export_s).toBeGreaterThan(0);
        expect(row.export_write_gb_s).toBeLessThan(row.export_read_gb_s); // half the vocabulary and FFN: fewer bytes out than in
      }
      expect(r.best.export_vs_copy).toBeCloseTo(r.best.copy_s / r.best.export_s, 12);
      expect(readdirSync(base)).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
