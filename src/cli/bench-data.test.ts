// Where the benchmarks look for models and corpora: --data, its alias --shared, ../shared, or a clear error.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { benchDataDir, benchReferenceDir } from './bench-data';

const root = mkdtempSync(join(tmpdir(), 'cs-bench-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('benchDataDir', () => {
  it('says what to pass when there is no --data and no ../shared', () => {
    const clone = join(root, 'lonely', 'repo');
    mkdirSync(clone, { recursive: true });
    expect(() => benchDataDir({}, clone)).toThrow(UsageError);
    expect(() => benchDataDir({}, clone)).toThrow(/pass --data DIR, a folder with models\/<name>\/ .* and corpora\//);
  });

  it('uses ../shared when it exists, --data (or --shared) when given, and names a missing folder', () => {
    const repo = join(root, 'work', 'repo');
    mkdirSync(repo, { recursive: true });
    mkdirSync(join(root, 'work', 'shared'));
    expect(benchDataDir({}, repo)).toBe(join(root, 'work', 'shared'));
    expect(benchDataDir({ data: '../shared' }, repo)).toBe(join(root, 'work', 'shared'));
    expect(benchDataDir({ shared: '..' }, repo)).toBe(join(root, 'work'));
    expect(() => benchDataDir({ data: 'nope' }, repo)).toThrow(/--data nope: no such folder/);
  });

  it('reads the reference figures from bench/reference unless --reference says otherwise', () => {
    expect(benchReferenceDir({}, '/r')).toBe('/r/bench/reference');
    expect(benchReferenceDir({ reference: 'x' }, '/r')).toBe('/r/x');
  });
});
