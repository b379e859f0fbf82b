import { describe, expect, it } from 'vitest';
import { modelFilesFromPairs, pickedFromDataTransfer, pickedFromFileList, relativeToFolder } from './browser-files';

const f = (name: string, text = 'x') => new File([text], name);

/** A File with the webkitRelativePath a directory picker sets. */
function pickedFile(relPath: string, text: string): File {
  const file = new File([text], relPath.split('/').at(-1)!);
  Object.defineProperty(file, 'webkitRelativePath', { value: relPath });
  return file;
}

describe('relativeToFolder', () => {
  it('strips the shared top folder and uses it as the label, skipping hidden files', () => {
    const r = relativeToFolder(
      [{ path: 'stories260K/config.json', file: f('config.json') }, { path: 'stories260K/model.safetensors', file: f('model.safetensors') }, { path: 'stories260K/.DS_Store', file: f('.DS_Store') }],
      'x',
    );
    expect(r.label).toBe('stories260K');
    expect(r.files.map((p) => p.path)).toEqual(['config.json', 'model.safetensors']);
  });
  it('keeps loose file names and the fallback label', () => {
    const r = relativeToFolder([{ path: 'config.json', file: f('config.json') }, { path: 'tokenizer.json', file: f('tokenizer.json') }], 'dropped files');
    expect(r).toMatchObject({ label: 'dropped files' });
    expect(r.files.map((p) => p.path)).toEqual(['config.json', 'tokenizer.json']);
  });
  it('drops files inside hidden folders', () => {
    const r = relativeToFolder([{ path: 'm/config.json', file: f('config.json') }, { path: 'm/.git/HEAD', file: f('HEAD') }], 'x');
    expect(r.files.map((p) => p.path)).toEqual(['config.json']);
  });
});

describe('pickedFromFileList', () => {
  it('strips the common top folder of a directory pick', () => {
    const r = pickedFromFileList([pickedFile('tiny-model/config.json', '{}'), pickedFile('tiny-model/sub/model.safetensors', 'abcdef')]);
    expect(r.label).toBe('tiny-model');
    expect(r.files.map((p) => p.path).sort()).toEqual(['config.json', 'sub/model.safetensors']);
  });

  it('keeps plain names of a multi-file pick', () => {
    const r = pickedFromFileList([f('config.json', '{}'), f('model.safetensors')]);
    expect(r.label).toBe('dropped files');
    expect(r.files.map((p) => p.path).sort()).toEqual(['config.json', 'model.safetensors']);
  });
});

describe('pickedFromDataTransfer', () => {
  it('walks a dropped folder, calling readEntries until it returns nothing', async () => {
    const fileEntry = (name: string, text: string) => ({ name, isFile: true, isDirectory: false, file: (ok: (x: File) => void) => ok(f(name, text)) });
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
    const root = dirEntry('dropped-model', [[fileEntry('config.json', '{}'), fileEntry('.DS_Store', ''), dirEntry('sub', [[fileEntry('a.txt', 'A')]])], [fileEntry('model.safetensors', 'xyz')]]);
    const dt = { items: [{ kind: 'file', webkitGetAsEntry: () => root, getAsFile: () => null }] } as unknown as DataTransfer;
    const r = await pickedFromDataTransfer(dt);
    expect(r.label).toBe('dropped-model');
    expect(r.files.map((p) => p.path).sort()).toEqual(['config.json', 'model.safetensors', 'sub/a.txt']);
    expect(calls).toBe(5); // root: 2 batches + empty; sub: 1 batch + empty
    // Plain data: survives structured clone (what postMessage to the worker does).
    expect(structuredClone(r).files.map((p) => p.path).sort()).toEqual(['config.json', 'model.safetensors', 'sub/a.txt']);
  });

  it('keeps loose files (no entry) by name', async () => {
    const items = ['config.json', 'tokenizer.json'].map((name) => ({ kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => f(name) }));
    const r = await pickedFromDataTransfer({ items } as unknown as DataTransfer);
    expect(r.label).toBe('dropped files');
    expect(r.files.map((p) => p.path)).toEqual(['config.json', 'tokenizer.json']);
  });
});

describe('modelFilesFromPairs', () => {
  it('reads exact byte ranges of each File by its folder-relative path', async () => {
    const bytes = new Uint8Array(100).map((_, i) => i);
    const files = modelFilesFromPairs('m', [
      { path: 'model.safetensors', file: new File([bytes], 'model.safetensors') },
      { path: 'sub/config.json', file: f('config.json', '{}') },
    ]);
    expect(files.label).toBe('m');
    expect(files.names().sort()).toEqual(['model.safetensors', 'sub/config.json']);
    const src = files.get('model.safetensors')!;
    expect(src.size).toBe(100);
    expect([...(await src.read(10, 14))]).toEqual([10, 11, 12, 13]);
    expect(files.get('missing.json')).toBeUndefined();
  });
});
