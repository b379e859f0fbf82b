// The studio's directory export (engine.worker.ts exportDir) follows the CLI's rules: it writes
// into a subfolder that did not exist before, never into existing files, and removes that
// subfolder whole when the export fails or is cancelled.
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../engine/cancel';
import type { OutputFolder } from '../io/source';
import { exportIntoFreshFolder } from './partial-export';
import { FakeDirectory } from './test-directory-handle';

const enc = new TextEncoder();

async function write(out: OutputFolder, name: string, text: string, close = true) {
  const sink = await out.create(name);
  await sink.write(enc.encode(text));
  if (close) await sink.close();
}

/** A picked folder that already holds one of the user's files. */
async function pickedFolder(): Promise<FakeDirectory> {
  const root = new FakeDirectory('Downloads');
  await write(await fakeOut(root), 'notes.txt', 'mine');
  return root;
}

async function fakeOut(dir: FakeDirectory): Promise<OutputFolder> {
  return {
    async create(name) {
      const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
      return { write: (c) => w.write(c), close: () => w.close() };
    },
  };
}

describe('exportIntoFreshFolder', () => {
  it('writes into a new subfolder named like the export', async () => {
    const root = await pickedFolder();
    const { folder, result } = await exportIntoFreshFolder(root.asHandle(), 'stories-compact', async (out) => {
      await write(out, 'model.safetensors', 'w');
      await write(out, 'config.json', '{}');
      return 7;
    });
    expect(folder).toBe('stories-compact');
    expect(result).toBe(7);
    expect(root.tree()).toEqual({ 'notes.txt': 'mine', 'stories-compact/model.safetensors': 'w', 'stories-compact/config.json': '{}' });
  });

  it('never writes into an existing folder or file of that name: it picks the next free name', async () => {
    const root = new FakeDirectory('Downloads');
    const old = await root.getDirectoryHandle('m-compact', { create: true });
    const cfg = await old.getFileHandle('config.json', { create: true });
    const w = await cfg.createWritable();
    await w.write(enc.encode('old config'));
    await w.close();
    await root.getFileHandle('m-compact-2', { create: true }); // a file with the next name
    const { folder } = await exportIntoFreshFolder(root.asHandle(), 'm-compact', async (out) => write(out, 'config.json', 'new'));
    expect(folder).toBe('m-compact-3');
    expect(root.tree()).toEqual({ 'm-compact/config.json': 'old config', 'm-compact-2': '', 'm-compact-3/config.json': 'new' });
  });

  it('a failed export removes its subfolder whole, even with a writable still open', async () => {
    const root = new FakeDirectory('Downloads', {
      beforeWrite: (name) => {
        if (name === 'tokenizer.json') throw new Error('disk full');
      },
    });
    await root.getFileHandle('keep.txt', { create: true });
    await expect(
      exportIntoFreshFolder(root.asHandle(), 'm-compact', async (out) => {
        await write(out, 'model.safetensors', 'weights');
        await write(out, 'half.bin', 'x', false); // left open, as a failing writer would
        await write(out, 'tokenizer.json', '{}');
      }),
    ).rejects.toThrow('disk full');
    expect(root.tree()).toEqual({ 'keep.txt': '' });
  });

  it('a cancelled export removes its subfolder and reports the cancel', async () => {
    const root = new FakeDirectory('Downloads');
    await expect(
      exportIntoFreshFolder(root.asHandle(), 'm-compact', async (out) => {
        await write(out, 'model.safetensors', 'weights');
        throw new CancelledError('exportDir');
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(root.tree()).toEqual({});
  });

  it('refuses to create a file twice (nothing is half-written in place)', async () => {
    const root = new FakeDirectory('Downloads');
    await expect(
      exportIntoFreshFolder(root.asHandle(), 'm-compact', async (out) => {
        await write(out, 'config.json', 'a');
        await write(out, 'config.json', 'b');
      }),
    ).rejects.toThrow(/config\.json already exists/);
    expect(root.tree()).toEqual({});
  });
});
