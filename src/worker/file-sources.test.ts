import { describe, expect, it } from 'vitest';
import { modelFilesFromDropped } from './file-sources';

describe('modelFilesFromDropped', () => {
  it('reads exact byte ranges of each File by its folder-relative path', async () => {
    const bytes = new Uint8Array(100).map((_, i) => i);
    const files = modelFilesFromDropped('m', [
      { path: 'model.safetensors', file: new File([bytes], 'model.safetensors') },
      { path: 'config.json', file: new File(['{}'], 'config.json') },
    ]);
    expect(files.names().sort()).toEqual(['config.json', 'model.safetensors']);
    const src = files.get('model.safetensors')!;
    expect(src.size).toBe(100);
    expect([...(await src.read(10, 14))]).toEqual([10, 11, 12, 13]);
    expect(files.get('missing.json')).toBeUndefined();
  });
});
