// The CLI never loses the user's files (issue 12, "data loss"): --out is checked before anything is
// loaded, the export is staged in a temporary sibling and renamed into place only when complete,
// nothing is written through a symlink, and links out of the model folder are not followed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = join(ROOT, 'fixtures/stories260K');
const CALIB = join(ROOT, 'public/calibration-default.txt');
const MODEL_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];
/** The smallest real prune: seconds on SwiftShader. */
const PRUNE = ['--calib', CALIB, '--vocab-ratio', '0.8', '--ffn-ratio', '0.9', '--samples', '1', '--sample-tokens', '64'];

function cli(...args: string[]) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/compact-studio.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0, signal: r.signal };
}

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `cs-out-${tag}-`));
}

function copyModel(): string {
  const dir = tempDir('model');
  for (const f of MODEL_FILES) {
    copyFileSync(join(MODEL, f), join(dir, f));
  }
  return dir;
}

/** name -> sha256 of every entry (links listed as "link -> target"), recursively. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, p));
      if (st.isSymbolicLink()) out[p] = 'link';
      else if (st.isDirectory()) walk(p);
      else out[p] = createHash('sha256').update(readFileSync(join(dir, p))).digest('hex');
    }
  };
  walk('');
  return out;
}

/** Refused before loading: the device line (printed when the engine starts) never appears. */
function expectRefusedEarly(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code, r.err).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/device:/);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  console.log(`${r.err.trim()}  (${r.ms} ms)`);
}

/** Siblings of `dir` left by a staged export (".<name>.partial-*"). */
function leftovers(dir: string): string[] {
  const parent = resolve(dir, '..');
  const base = dir.split('/').pop()!;
  return readdirSync(parent).filter((n) => n.startsWith(`.${base}.`));
}

describe('prune --out never loses the user\'s files', () => {
  it('refuses --out equal to the model folder, before loading, and leaves the model intact', () => {
    const model = copyModel();
    const before = snapshot(model);
    expectRefusedEarly(cli('prune', '--model', model, ...PRUNE, '--out', model), /model folder/);
    expectRefusedEarly(cli('prune', '--model', model, ...PRUNE, '--out', `${model}/`, '--overwrite'), /model folder/);
    expect(snapshot(model)).toEqual(before);
  });

  it('refuses --out inside the model folder, and --out holding the model folder', () => {
    const model = copyModel();
    const before = snapshot(model);
    expectRefusedEarly(cli('prune', '--model', model, ...PRUNE, '--out', join(model, 'pruned')), /inside the model folder/);
    expect(existsSync(join(model, 'pruned'))).toBe(false);
    const outer = tempDir('outer');
    const nested = join(outer, 'model');
    mkdirSync(nested);
    for (const f of MODEL_FILES) copyFileSync(join(MODEL, f), join(nested, f));
    const nestedBefore = snapshot(outer);
    expectRefusedEarly(cli('prune', '--model', nested, ...PRUNE, '--out', outer, '--overwrite'), /holds the model folder/);
    expect(snapshot(outer)).toEqual(nestedBefore);
    expect(snapshot(model)).toEqual(before);
  });

  it('refuses a non-empty --out unless --overwrite, then replaces it whole', () => {
    const out = tempDir('nonempty');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expectRefusedEarly(cli('prune', '--model', MODEL, ...PRUNE, '--out', out), /not empty.*--overwrite/s);
    expect(snapshot(out)).toEqual({ 'notes.txt': createHash('sha256').update('mine').digest('hex') });

    const r = cli('prune', '--model', MODEL, ...PRUNE, '--out', out, '--overwrite', '--json');
    expect(r.code, r.err).toBe(0);
    expect(Object.keys(snapshot(out)).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(leftovers(out)).toEqual([]);
  });

  it('an empty existing --out is used, a missing one is created with its parents', () => {
    const empty = tempDir('empty');
    expect(cli('prune', '--model', MODEL, ...PRUNE, '--out', empty).code).toBe(0);
    expect(existsSync(join(empty, 'model.safetensors'))).toBe(true);
    const fresh = join(tempDir('fresh'), 'a', 'b');
    const r = cli('prune', '--model', MODEL, ...PRUNE, '--out', fresh);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(fresh, 'config.json'))).toBe(true);
    expect(leftovers(fresh)).toEqual([]);
  });

  for (const [what, edit, file] of [
    ['config bos_token_id 600', (d: string) => editJson(d, 'config.json', (c) => ({ ...c, bos_token_id: 600 })), /config\.json: bos_token_id 600/],
    ['generation_config eos_token_id [2, 600]', (d: string) => editJson(d, 'generation_config.json', (c) => ({ ...c, eos_token_id: [2, 600] })), /generation_config\.json: eos_token_id/],
    ['tokenizer_config.json that holds null', (d: string) => writeFileSync(join(d, 'tokenizer_config.json'), 'null'), /tokenizer_config\.json: holds null/],
  ] as const) {
    it(`a failing prune (${what}) leaves no folder, and an older export untouched`, () => {
      const model = copyModel();
      edit(model);
      const fresh = join(tempDir('fail'), 'out');
      const r = cli('prune', '--model', model, ...PRUNE, '--out', fresh);
      expect(r.code, r.err).toBe(1);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.err).toMatch(file); // the file and the field, not an internal message
      console.log(r.err.trim());
      expect(existsSync(fresh)).toBe(false);
      expect(leftovers(fresh)).toEqual([]);

      const old = tempDir('old');
      expect(cli('prune', '--model', MODEL, ...PRUNE, '--out', old).code).toBe(0);
      const oldSnap = snapshot(old);
      expect(cli('prune', '--model', model, ...PRUNE, '--out', old, '--overwrite').code).toBe(1);
      expect(snapshot(old)).toEqual(oldSnap);
      expect(leftovers(old)).toEqual([]);
    });
  }

  it('never writes through a symlink in --out', () => {
    const outside = join(tempDir('outside'), 'precious.json');
    writeFileSync(outside, '{"precious": true}');
    const out = tempDir('linked');
    symlinkSync(outside, join(out, 'config.json'));
    expectRefusedEarly(cli('prune', '--model', MODEL, ...PRUNE, '--out', out), /not empty/);
    const r = cli('prune', '--model', MODEL, ...PRUNE, '--out', out, '--overwrite');
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('{"precious": true}');
    expect(lstatSync(join(out, 'config.json')).isSymbolicLink()).toBe(false);

    // --out itself a link: refused (the link would be replaced, or its target written)
    const target = tempDir('target');
    const link = join(tempDir('linkdir'), 'out');
    symlinkSync(target, link);
    expectRefusedEarly(cli('prune', '--model', MODEL, ...PRUNE, '--out', link), /symbolic link/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('extra files linked from outside the model folder are not copied, and the run says so', () => {
    const model = copyModel();
    const secret = join(tempDir('secret'), 'id_rsa');
    writeFileSync(secret, 'PRIVATE KEY');
    symlinkSync(secret, join(model, 'README.md'));
    mkdirSync(join(model, 'docs'));
    writeFileSync(join(model, 'docs', 'LICENSE.txt'), 'MIT');
    symlinkSync('docs/LICENSE.txt', join(model, 'LICENSE')); // inside the folder: fine
    const out = join(tempDir('extras'), 'out');
    const r = cli('prune', '--model', model, ...PRUNE, '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(out, 'README.md'))).toBe(false);
    expect(readFileSync(join(out, 'LICENSE'), 'utf8')).toBe('MIT');
    expect(r.err).toMatch(/README\.md.*link.*outside the model folder/);
    const result = JSON.parse(r.out);
    expect(result.notes.join('\n')).toMatch(/README\.md/);
    console.log(r.err.trim());
  });

  it('output path problems fail at once, before loading, with a clear message', () => {
    const file = join(tempDir('file'), 'a-file');
    writeFileSync(file, 'x');
    expectRefusedEarly(cli('prune', '--model', MODEL, ...PRUNE, '--out', file), /not a folder/);
    expectRefusedEarly(cli('prune', '--model', MODEL, ...PRUNE, '--out', join(file, 'sub')), /ENOTDIR|not a folder/);
    expectRefusedEarly(cli('prune', '--model', MODEL, ...PRUNE, '--out', '/sys/compact-out'), /EPERM|EACCES|EROFS|cannot create/);
    const proc = cli('prune', '--model', MODEL, ...PRUNE, '--out', '/proc/x');
    expect(proc.signal).toBeNull(); // returned on its own (the spawn timeout would kill it)
    expectRefusedEarly(proc, /\/proc\/x/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('prune progress and --json run stats', () => {
  it('stderr carries the progress lines, stdout only the result, with seconds per stage, GPU peak and RSS', () => {
    const out = join(tempDir('stats'), 'out');
    const t0 = Date.now();
    const r = cli('prune', '--model', MODEL, ...PRUNE, '--out', out, '--json');
    const wall = (Date.now() - t0) / 1000;
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out); // the whole of stdout is one JSON document
    expect(Object.keys(result.seconds)).toEqual(['load', 'calibrate', 'select', 'export']);
    const total = Object.values(result.seconds as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(wall); // stage times are parts of this run
    // weights are resident as f32 (260,032 parameters): the GPU peak holds at least them
    expect(result.gpu_peak_bytes).toBeGreaterThanOrEqual(260_032 * 4);
    // SwiftShader's GPU memory is process memory: RSS includes it
    expect(result.peak_rss_bytes).toBeGreaterThan(result.gpu_peak_bytes);
    expect(result.peak_rss_bytes).toBeLessThan(8 * 2 ** 30);
    for (const stage of ['load', 'calibrate', 'select', 'export']) expect(r.err).toMatch(new RegExp(`^${stage}\\.\\.\\.$`, 'm'));
    expect(r.err).not.toMatch(/\r/); // not a terminal: plain lines (percent lines follow every 5 s on long stages)
    console.log(r.err.trim(), JSON.stringify({ seconds: result.seconds, gpu_peak_bytes: result.gpu_peak_bytes, peak_rss_bytes: result.peak_rss_bytes }));
  });
});

function editJson(dir: string, name: string, edit: (v: Record<string, unknown>) => unknown): void {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(edit(JSON.parse(readFileSync(p, 'utf8')))));
}
