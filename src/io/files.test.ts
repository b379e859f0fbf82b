import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromDataTransfer, filesFromFileList } from './browser-files';
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

/** A File with the webkitRelativePath a directory picker sets. */
function pickedFile(relPath: string, text: string): File {
  const f = new File([text], relPath.split('/').at(-1)!);
  Object.defineProperty(f, 'webkitRelativePath', { value: relPath });
  return f;
}

describe('browser files', () => {
  it('strips the common top folder of a directory pick', async () => {
    const files = filesFromFileList([pickedFile('tiny-model/config.json', '{}'), pickedFile('tiny-model/sub/model.safetensors', 'abcdef')]);
    expect(files.label).toBe('tiny-model');
    expect(files.names().sort()).toEqual(['config.json', 'sub/model.safetensors']);
    expect(new TextDecoder().decode(await files.get('sub/model.safetensors')!.read(2, 4))).toBe('cd');
  });

  it('keeps plain names of a multi-file pick', () => {
    const files = filesFromFileList([new File(['{}'], 'config.json'), new File(['x'], 'model.safetensors')]);
    expect(files.names().sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('walks a dropped folder, calling readEntries until it returns nothing', async () => {
    const fileEntry = (name: string, text: string) => ({ name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([text], name)) });
    let calls = 0;
    const dirEntry = (name: string, batches: unknown[][]) => ({
      name,
      isFile: false,
      isDirectory: true,
      createReader: () => {
        let i = 0;
        return { readEntries: (ok: (e: unknown[]) => void) => (calls++, ok(batches[i++] ?? [])) };
      },
    });
    const root = dirEntry('dropped-model', [[fileEntry('config.json', '{}'), dirEntry('sub', [[fileEntry('a.txt', 'A')]])], [fileEntry('model.safetensors', 'xyz')]]);
    const dt = { items: [{ kind: 'file', webkitGetAsEntry: () => root, getAsFile: () => null }] } as unknown as DataTransfer;
    const files = await filesFromDataTransfer(dt);
    expect(files.label).toBe('dropped-model');
    expect(files.names().sort()).toEqual(['config.json', 'model.safetensors', 'sub/a.txt']);
    expect(new TextDecoder().decode(await files.get('model.safetensors')!.read(0, 3))).toBe('xyz');
    expect(calls).toBe(5); // root: 2 batches + empty; sub: 1 batch + empty
  });
});
