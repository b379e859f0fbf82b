import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from './errors';
import { readJsonFile } from './json-files';
import { nodeOutputFolder, openNodeFolder } from './node-files';
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
});
