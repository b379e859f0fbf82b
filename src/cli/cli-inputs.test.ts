// Issue 12's invalid models through the real CLI, each as the issue reported it: now a clear error
// naming the file and the fix (exit 1, no stack trace), refused before any weight is uploaded.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MODEL = join(ROOT, 'fixtures/stories260K');
const TEXT = join(ROOT, 'public/heldout-default.txt');
const FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/compact-studio.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** A copy of stories260K with one file rewritten. */
function modelWith(name: string, edit: (bytes: Buffer) => Buffer | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-in-'));
  for (const f of FILES) copyFileSync(join(MODEL, f), join(dir, f));
  writeFileSync(join(dir, name), edit(readFileSync(join(dir, name))));
  return dir;
}
const json = (edit: (v: Record<string, any>) => void) => (b: Buffer) => {
  const v = JSON.parse(b.toString('utf8'));
  edit(v);
  return JSON.stringify(v);
};

function expectClearError(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.signal, 'killed (hang?)').toBeNull();
  expect(r.code, r.err).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at |TypeError|RangeError|Cannot read properties|out of memory/);
  console.log(r.err.trim().split('\n').pop());
}

const EVAL = ['--text', TEXT, '--tokens', '256', '--seq', '64'];
const PRUNE = ['--calib', TEXT, '--vocab-ratio', '0.8', '--ffn-ratio', '0.9', '--samples', '1', '--sample-tokens', '64'];

describe('invalid models through the CLI', () => {
  it('a vocab entry past the embedding rows (was: exit 0 with an all-zero embedding row)', () => {
    const dir = modelWith('tokenizer.json', json((t) => (t.model.vocab.e = 600)));
    expectClearError(cli('prune', '--model', dir, ...PRUNE, '--vocab-order', 'id', '--out', join(dir, '..', `${dir.split('/').pop()}-out`)), /tokenizer\.json: token "e" has id 600, but the model has 512 embedding rows/);
  });

  it('token ids of 1e9 and 2^31 fail at once (were: a hang)', () => {
    for (const id of [1e9, 2 ** 31, 2 ** 32 - 2]) expectClearError(cli('eval', '--model', modelWith('tokenizer.json', json((t) => (t.model.vocab.e = id))), ...EVAL), /tokenizer\.json: .*id \d+ is larger than any vocabulary/);
  });

  it('num_hidden_layers 1 on the 5-layer checkpoint (was: exit 0, NLL 13.6)', () => {
    expectClearError(cli('eval', '--model', modelWith('config.json', json((c) => (c.num_hidden_layers = 1))), ...EVAL), /config\.json: num_hidden_layers 1 but the checkpoint holds 5 decoder layers/);
  });

  it('num_hidden_layers 1e9 (was: V8 out of memory, exit 134) and head_dim 1e9 (was: 75 s, 5.8 GB)', () => {
    expectClearError(cli('eval', '--model', modelWith('config.json', json((c) => (c.num_hidden_layers = 1e9))), ...EVAL), /config\.json: num_hidden_layers 1000000000 is larger than any real model/);
    expectClearError(cli('eval', '--model', modelWith('config.json', json((c) => (c.head_dim = 1e9))), ...EVAL), /config\.json: head_dim 1000000000 is larger than any real model/);
  });

  it('model_type "constructor" (was: Cannot read properties of undefined)', () => {
    expectClearError(cli('eval', '--model', modelWith('config.json', json((c) => (c.model_type = 'constructor'))), ...EVAL), /config\.json: model_type "constructor" is not supported/);
  });

  it('bos_token_id outside the vocabulary with --bos', () => {
    expectClearError(cli('eval', '--model', modelWith('config.json', json((c) => (c.bos_token_id = 600))), ...EVAL, '--bos'), /config\.json: bos_token_id 600 is not below the vocabulary size 512/);
  });

  it('a header length of N-1 (was: eval "forward pass produced NaN", prune exit 0 with garbage norms)', () => {
    const dir = modelWith('model.safetensors', (b) => {
      const out = Buffer.from(b);
      out.writeBigUInt64LE(out.readBigUInt64LE(0) - 1n, 0);
      return out;
    });
    expectClearError(cli('eval', '--model', dir, ...EVAL), /model\.safetensors: the tensors cover \d+ data bytes but the file holds \d+ after the header/);
  });

  it('a tokenizer.json that is not UTF-8 (was: decoded leniently, bits/byte 0.937 instead of 1.318)', () => {
    const dir = modelWith('tokenizer.json', (b) => Buffer.from(b.toString('utf8').replace('"<unk>"', '"<unk\u00e9>"'), 'latin1'));
    expectClearError(cli('eval', '--model', dir, ...EVAL), /tokenizer\.json: is not valid UTF-8/);
  });

  it('an empty vocabulary (was: exit 0 with bits/byte = Infinity)', () => {
    expectClearError(cli('eval', '--model', modelWith('tokenizer.json', json((t) => ((t.model.vocab = {}), (t.model.merges = [])))), ...EVAL), /tokenizer\.json: model\.vocab is empty/);
  });
});
