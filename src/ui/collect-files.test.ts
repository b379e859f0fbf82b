import { describe, expect, it } from 'vitest';
import { relativeToFolder } from './collect-files';

const f = (name: string) => new File(['x'], name);

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
});
