import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from './errors';
import { readJsonFile, readJsonObject } from './json-files';
import { openNodeFolder } from './node-files';
import { nodeOutputFolder } from './node-output';
import { memoryFiles } from './source';

describe('node files', () => {
  it('lists a folder recursively, reads slices, and writes outputs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-files-'));
    try {
      await mkdir(path.join(dir, 'sub'));
      await mkdir(path.join(dir, '.git'));
      await writeFile(path.join(dir, 'config.json'), '{"a": 1}');
      await writeFile(path.join(dir, 'sub/w.bin'), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      await writeFile(path.join(dir, '.git/HEAD'), 'x');
      const files = await openNodeFolder(dir);
      expect(files.names().sort()).toEqual(['config.json', 'sub/w.bin']);
      const w = files.get('sub/w.bin')!;
      expect(w.size).toBe(10);
      expect(Array.from(await w.read(3, 6))).toEqual([3, 4, 5]);
      expect(Array.from(await w.read(8, 20))).toEqual([8, 9]);

      const out = await nodeOutputFolder(path.join(dir, 'out/deep'));
      const sink = await out.create('nested/x.txt');
      await sink.write(new TextEncoder().encode('hello '));
      await sink.write(new TextEncoder().encode('world'));
      await sink.close();
      expect(await readFile(path.join(dir, 'out/deep/nested/x.txt'), 'utf8')).toBe('hello world');
      await expect(out.create('../escape.txt')).rejects.toThrow(ModelFileError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('follows links only inside the folder or into the Hugging Face cache blobs, and lists the rest as skipped', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'cs-links-'));
    try {
      // HF cache layout: <repo>/snapshots/<rev>/file -> ../../blobs/<hash>
      const repo = path.join(base, 'models--org--m');
      const snap = path.join(repo, 'snapshots', 'abc123');
      await mkdir(snap, { recursive: true });
      await mkdir(path.join(repo, 'blobs'));
      await writeFile(path.join(repo, 'blobs', 'h1'), '{"model_type": "llama"}');
      await symlink('../../blobs/h1', path.join(snap, 'config.json'));
      await writeFile(path.join(base, 'secret'), 'PRIVATE');
      await symlink(path.join(base, 'secret'), path.join(snap, 'README.md'));
      await mkdir(path.join(snap, 'docs'));
      await writeFile(path.join(snap, 'docs', 'L.txt'), 'MIT');
      await symlink('docs/L.txt', path.join(snap, 'LICENSE'));
      await symlink('nowhere', path.join(snap, 'broken.json'));
      await symlink('docs', path.join(snap, 'docs-link'));
      const files = await openNodeFolder(snap);
      expect(files.names().sort()).toEqual(['LICENSE', 'config.json', 'docs/L.txt']);
      expect(new TextDecoder().decode(await files.get('config.json')!.read(0, 100))).toBe('{"model_type": "llama"}');
      expect(new TextDecoder().decode(await files.get('LICENSE')!.read(0, 100))).toBe('MIT');
      const skipped = Object.fromEntries((files.skipped ?? []).map((s) => [s.name, s.reason]));
      expect(Object.keys(skipped).sort()).toEqual(['README.md', 'broken.json', 'docs-link']);
      expect(skipped['README.md']).toMatch(/symbolic link to .*secret, outside the model folder: not read/);
      await expect(readJsonFile(files, 'README.md', false)).rejects.toThrow(/README\.md: is a symbolic link .* outside the model folder.*Copy the real README\.md/);

      // the same link outside a cache layout (no snapshots/ parent) is not followed
      const plain = path.join(base, 'plain');
      await mkdir(plain);
      await symlink(path.join(repo, 'blobs', 'h1'), path.join(plain, 'config.json'));
      expect((await openNodeFolder(plain)).names()).toEqual([]);

      // a plain file swapped for a link after listing is refused when read (O_NOFOLLOW)
      const swap = path.join(base, 'swap');
      await mkdir(swap);
      await writeFile(path.join(swap, 'config.json'), '{}');
      const listed = await openNodeFolder(swap);
      await unlink(path.join(swap, 'config.json'));
      await symlink(path.join(base, 'secret'), path.join(swap, 'config.json'));
      await expect(listed.get('config.json')!.read(0, 10)).rejects.toThrow(/config\.json: cannot be read \(ELOOP\)/);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('refuses a path that is not a folder', async () => {
    await expect(openNodeFolder('/definitely/not/here')).rejects.toThrow(/is not a folder/);
  });
});

describe('readJsonFile', () => {
  const files = memoryFiles('m', { 'config.json': '{"model_type": "llama"}', 'broken.json': '{"a": ' });
  it('parses, returns undefined for optional absent files, and names the file on errors', async () => {
    expect(await readJsonFile(files, 'config.json', true)).toEqual({ model_type: 'llama' });
    expect(await readJsonFile(files, 'generation_config.json', false)).toBeUndefined();
    await expect(readJsonFile(files, 'generation_config.json', true)).rejects.toThrow(/generation_config\.json: missing from m\. Add generation_config\.json/);
    await expect(readJsonFile(files, 'broken.json', true)).rejects.toThrow(/broken\.json: is not valid JSON \(/);
  });

  it('refuses invalid UTF-8, a key given twice, and absurd nesting, naming the file', async () => {
    const latin1 = Uint8Array.from([...new TextEncoder().encode('{"a": "caf'), 0xe9, ...new TextEncoder().encode('"}')]);
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const bad = memoryFiles('m', {
      'latin1.json': latin1,
      'dup.json': '{"model": {"vocab": {"a": 0, "b": 1, "a": 2}}}',
      'dup-escaped.json': '{"\\u0061": 1, "a": 2}',
      'deep.json': deep,
    });
    await expect(readJsonFile(bad, 'latin1.json', true)).rejects.toThrow(/latin1\.json: is not valid UTF-8/);
    await expect(readJsonFile(bad, 'dup.json', true)).rejects.toThrow(/dup\.json: the key "a" appears twice in \.model\.vocab/);
    await expect(readJsonFile(bad, 'dup-escaped.json', true)).rejects.toThrow(/the key "a" appears twice/);
    await expect(readJsonFile(bad, 'deep.json', true)).rejects.toThrow(/deep\.json: nests deeper than 64 levels/);
    const fine = memoryFiles('m', { 'ok.json': '{"a": {"a": [{"a": 1}, {"a": 2}]}, "b": "a,\\"a\\":{"}' });
    expect(await readJsonFile(fine, 'ok.json', true)).toEqual({ a: { a: [{ a: 1 }, { a: 2 }] }, b: 'a,"a":{' });
  });

  it('readJsonObject refuses null, lists and scalars', async () => {
    const files = memoryFiles('m', { 'n.json': 'null', 'l.json': '[]', 's.json': '5', 'o.json': '{}' });
    await expect(readJsonObject(files, 'n.json', true)).rejects.toThrow(/n\.json: holds null, not a JSON object/);
    await expect(readJsonObject(files, 'l.json', true)).rejects.toThrow(/holds a list/);
    await expect(readJsonObject(files, 's.json', true)).rejects.toThrow(/holds a number/);
    expect(await readJsonObject(files, 'o.json', true)).toEqual({});
    expect(await readJsonObject(files, 'absent.json', false)).toBeUndefined();
  });
});
