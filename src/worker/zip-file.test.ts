import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import type { OutputFolder } from '../io/source';
import { zipIntoFile, type SaveTarget } from './zip-file';

/** A picked file: the picker made it empty; close() swaps the written bytes in, abort() drops them. */
function fakeTarget(existing = new Uint8Array(0)) {
  const state = { contents: existing, removed: false, events: [] as string[] };
  const target: SaveTarget = {
    name: 'out.zip',
    async createWritable() {
      const swap: Uint8Array[] = [];
      return {
        async write(c) { swap.push(c.slice()); },
        async close() {
          state.events.push('close');
          const n = swap.reduce((a, c) => a + c.length, 0);
          state.contents = new Uint8Array(n);
          let o = 0;
          for (const c of swap) { state.contents.set(c, o); o += c.length; }
        },
        async abort() { state.events.push('abort'); },
      };
    },
    async getFile() { return { size: state.contents.length }; },
    async remove() { state.removed = true; state.events.push('remove'); },
  };
  return { target, state };
}

const writeModel = async (folder: OutputFolder, failAfter = Infinity) => {
  const f = await folder.create('model.safetensors');
  for (let i = 0; i < 4; i++) {
    if (i >= failAfter) throw new Error('export failed half way');
    await f.write(new Uint8Array(1000).fill(i));
  }
  await f.close();
  return 'summary';
};

describe('zip into a picked file', () => {
  it('streams the archive into the file and closes it', async () => {
    const { target, state } = fakeTarget();
    expect(await zipIntoFile(target, 'm/', (folder) => writeModel(folder))).toBe('summary');
    expect(state.events).toEqual(['close']);
    const got = unzipSync(state.contents)['m/model.safetensors'];
    expect(got.length).toBe(4000);
    expect(got[3500]).toBe(3);
  });

  it('on failure aborts the stream and removes the empty file the picker made', async () => {
    const { target, state } = fakeTarget();
    await expect(zipIntoFile(target, 'm/', (folder) => writeModel(folder, 2))).rejects.toThrow('half way');
    expect(state.events).toEqual(['abort', 'remove']);
  });

  it('never removes a file that has content (the user picked an existing file)', async () => {
    const { target, state } = fakeTarget(new Uint8Array([1, 2, 3]));
    await expect(zipIntoFile(target, 'm/', (folder) => writeModel(folder, 1))).rejects.toThrow('half way');
    expect(state.events).toEqual(['abort']);
    expect(state.contents).toEqual(new Uint8Array([1, 2, 3]));
  });
});
