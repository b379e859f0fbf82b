// The CLI as a user runs it: clear errors (exit 1 or 2, the file and the fix named), never a stack trace.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = resolve(ROOT, 'fixtures/stories260K');
const TEXT = resolve(ROOT, 'fixtures/corpora/tinystories-heldout.txt');

function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/compact-studio.mjs'), ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function copyModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-cli-'));
  for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']) copyFileSync(join(MODEL, f), join(dir, f));
  return dir;
}

describe('compact-studio CLI errors', () => {
  it('usage errors exit 2 with the usage text', () => {
    const r = cli('eval', '--text', TEXT);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--model is required/);
    expect(cli('frobnicate').err).toMatch(/unknown command 'frobnicate'/);
    expect(cli('prune', '--model', MODEL, '--calib', TEXT, '--vocab-ratio', '1.5', '--ffn-ratio', '0.5', '--out', '/tmp/x').err).toMatch(/--vocab-ratio must be a ratio in \(0, 1\]/);
    expect(cli('prune', '--model', MODEL, '--calib', TEXT, '--vocab-ratio', '1', '--ffn-keep', '0', '--out', '/tmp/x').err).toMatch(/--ffn-keep must be a whole number in 1\.\.172/);
  });

  it('a missing folder or text file is named', () => {
    expect(cli('eval', '--model', MODEL, '--text', '/nonexistent.txt').err).toMatch(/cannot read \/nonexistent.txt/);
    const r = cli('eval', '--model', '/nonexistent-model', '--text', TEXT);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nonexistent-model/);
  });

  it('a truncated shard names the file and says to download it again', () => {
    const dir = copyModel();
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 1000));
    const r = cli('eval', '--model', dir, '--text', TEXT, '--tokens', '512');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/model\.safetensors/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    console.log(r.err.trim());
  });

  it('an unknown architecture lists the supported ones', () => {
    const dir = copyModel();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt_neox' }));
    const r = cli('eval', '--model', dir, '--text', TEXT, '--tokens', '512');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/gpt_neox/);
    expect(r.err).toMatch(/llama/);
    console.log(r.err.trim());
  });

  it('V\' below the always-kept tokens is refused before calibrating', () => {
    const r = cli('prune', '--model', MODEL, '--calib', TEXT, '--vocab-keep', '100', '--ffn-ratio', '0.5', '--out', join(tmpdir(), 'never'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/too small/);
    console.log(r.err.trim());
  });
});

describe('compact-studio prune', () => {
  it.each([1, 3])('tokenizes the calibration text on %i worker thread(s) while the model loads, to the same ids', async (workers) => {
    const { TextTokenizer } = await import('../tokenizer/text-tokenizer');
    const text = readFileSync(TEXT, 'utf8');
    const tok = TextTokenizer.fromJson(JSON.parse(readFileSync(join(MODEL, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(MODEL, 'tokenizer_config.json'), 'utf8')));
    const all = tok.encode(text);
    const out = join(mkdtempSync(join(tmpdir(), 'cs-cli-aside-')), 'out');
    const r = cliWith({ COMPACT_TOKENIZE_WORKERS: String(workers) }, 'prune', '--model', MODEL, '--calib', TEXT, '--vocab-ratio', '0.9', '--ffn-ratio', '0.9', '--samples', '2', '--sample-tokens', '64', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const { calibration } = JSON.parse(r.out);
    console.log(JSON.stringify(calibration));
    expect(calibration.tokenized_during_load).toBe(true);
    expect(calibration.tokenizer_workers).toBe(workers);
    expect(calibration.text_tokens).toBe(all.length);
    expect(calibration.tokens).toBe(128);
    expect(calibration.distinct_tokens).toBe(new Set(all.slice(0, 128)).size);
  });
});
