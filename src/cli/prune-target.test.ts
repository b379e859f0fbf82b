// `prune --target` as a user runs it on the real stories260K (SwiftShader here): the flags'
// errors, then a search on a short selection text whose chosen candidate is exported, and an
// independent `eval` of the exported folder that must reproduce the candidate's number.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8Prefix } from '../eval/windows';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = resolve(ROOT, 'fixtures/stories260K');
const CALIB = resolve(ROOT, 'fixtures/corpora/wikitext2-test.raw');
const STORIES = resolve(ROOT, 'fixtures/corpora/tinystories-heldout.txt');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/compact-studio.mjs'), ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('prune --target', () => {
  it('refuses bad or mixed target flags before opening the model', () => {
    const base = ['prune', '--model', MODEL, '--calib', CALIB, '--out', join(tmpdir(), 'never')];
    expect(cli(...base, '--target', '1.5').err).toMatch(/--target must be the share of parameters to remove, in \(0, 1\)/);
    expect(cli(...base, '--target', '0.3', '--vocab-keep', '400').err).toMatch(/--target chooses V' and I' itself: drop --vocab-keep/);
    expect(cli(...base, '--target', '0.3', '--target-params', '1000').err).toMatch(/give one of --target, --target-params, --target-size/);
    expect(cli(...base, '--target-size', '700').err).toMatch(/--target-size: "700" has no unit/);
    expect(cli(...base, '--vocab-ratio', '1', '--ffn-ratio', '0.5', '--select-text', STORIES).err).toMatch(/--select-text only applies with --target/);
    const short = join(mkdtempSync(join(tmpdir(), 'cs-target-')), 'short.txt');
    writeFileSync(short, 'a few words\n'.repeat(100));
    const r = cli('prune', '--model', MODEL, '--calib', short, '--target', '0.2', '--out', join(tmpdir(), 'never'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/too short to set aside its last 65536 bytes as the selection text/);
  });

  it('chooses the lowest selection bits/byte within the budget and exports it; eval of the export agrees', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-target-'));
    const out = join(dir, 'out');
    // selection text: TinyStories after its first 64 KiB (the benchmark's rule), 1200 bytes to keep SwiftShader short
    const full = readFileSync(STORIES, 'utf8');
    const selectPath = join(dir, 'select.txt');
    writeFileSync(selectPath, full.slice(utf8Prefix(full, 65536).length));
    const r = cli(
      'prune', '--model', MODEL, '--calib', CALIB, '--target', '0.15', '--samples', '2', '--sample-tokens', '128',
      '--select-text', selectPath, '--select-bytes', '1200', '--criterion', 'common-act2', '--vocab-counts', 'text', '--out', out, '--json',
    );
    if (r.code !== 0) console.log(r.err);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out.trim().split('\n').pop()!);
    const t = res.target;
    console.log(r.err.split('\n').filter((l) => /candidates|^ +[* ] /.test(l)).join('\n'));
    const dense = res.params_before.total;
    expect(t.budget).toEqual({ kind: 'params', max: Math.floor(dense * 0.85) });
    expect(t.candidates.length).toBeGreaterThan(2);
    // pinned: one criterion, frequency over the whole text; every vocabulary order is a candidate
    expect(new Set(t.candidates.map((c: { order: string }) => c.order))).toEqual(new Set(['predicted', 'frequency', 'id']));
    expect(new Set(t.candidates.map((c: { criterion: string }) => c.criterion))).toEqual(new Set(['common-act2']));
    expect(t.candidates.every((c: { order: string; count_span: string | null }) => c.count_span === (c.order === 'frequency' ? 'text' : null))).toBe(true);
    for (const c of t.candidates) expect(c.params).toBeLessThanOrEqual(t.budget.max);
    const lowest = Math.min(...t.candidates.map((c: { select_bits_per_byte: number }) => c.select_bits_per_byte));
    expect(t.chosen.select_bits_per_byte).toBe(lowest);
    expect(res.vocab_size).toBe(t.chosen.vocab_keep);
    expect(res.intermediate_size).toBe(t.chosen.ffn_keep);
    expect(res.options.vocabOrder).toBe(t.chosen.order);
    expect(res.params_after.total).toBe(t.chosen.params);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect([config.vocab_size, config.intermediate_size]).toEqual([t.chosen.vocab_keep, t.chosen.ffn_keep]);

    // the exported folder, evaluated on its own on the same selection text, gives the candidate's number
    const ev = cli('eval', '--model', out, '--text', selectPath, '--bytes', '1200', '--seq', '256', '--json');
    expect(ev.code).toBe(0);
    const e = JSON.parse(ev.out.trim().split('\n').pop()!);
    const diff = Math.abs(e.bits_per_byte - t.chosen.select_bits_per_byte);
    console.log(`chosen ${t.chosen.order} V'=${t.chosen.vocab_keep} I'=${t.chosen.ffn_keep}: search ${t.chosen.select_bits_per_byte} vs eval of the export ${e.bits_per_byte} (|diff| ${diff.toExponential(2)}, mode ${t.selection.mode})`);
    expect(diff).toBeLessThan(t.selection.mode === 'exact' ? 1e-5 : 1e-2);
  });
});
