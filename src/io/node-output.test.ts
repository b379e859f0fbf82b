// Staged output folders: the destination holds its old contents or a whole export, never a mix.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputFolderError } from './errors';
import { fileSink, stageNodeOutput } from './node-output';

const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `cs-stage-${tag}-`));
const text = new TextEncoder();

async function writeTo(folder: { create(n: string): Promise<{ write(c: Uint8Array): Promise<void>; close(): Promise<void> }> }, name: string, content: string) {
  const sink = await folder.create(name);
  await sink.write(text.encode(content));
  await sink.close();
}

describe('stageNodeOutput', () => {
  it('writes into a hidden sibling and renames it into place on commit', async () => {
    const parent = tmp('commit');
    const model = tmp('model');
    const target = join(parent, 'out');
    const staged = await stageNodeOutput(target, { modelDir: model, overwrite: false });
    expect(existsSync(target)).toBe(false); // nothing at the destination while the export runs
    const siblings = readdirSync(parent);
    expect(siblings).toHaveLength(1);
    expect(siblings[0]).toMatch(/^\.out\.partial-[0-9a-f]{8}$/);
    await writeTo(staged.folder, 'model.safetensors', 'weights');
    await writeTo(staged.folder, 'sub/x.json', '{}');
    await staged.commit();
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readFileSync(join(target, 'model.safetensors'), 'utf8')).toBe('weights');
    expect(readFileSync(join(target, 'sub/x.json'), 'utf8')).toBe('{}');
    await staged.discard(); // a no-op after commit
    expect(existsSync(join(target, 'model.safetensors'))).toBe(true);
  });

  it('a failure mid-export leaves no folder and no sibling; parents it made are removed', async () => {
    const parent = tmp('fail');
    const target = join(parent, 'a', 'b', 'out');
    const staged = await stageNodeOutput(target, { modelDir: tmp('model'), overwrite: false });
    await writeTo(staged.folder, 'model.safetensors', 'half');
    await staged.discard();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('with overwrite, the old folder survives a failed export and is replaced by a complete one', async () => {
    const parent = tmp('over');
    const target = join(parent, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'config.json'), 'old');
    writeFileSync(join(target, 'stale.bin'), 'old');
    const failed = await stageNodeOutput(target, { modelDir: tmp('model'), overwrite: true });
    await writeTo(failed.folder, 'config.json', 'new');
    await failed.discard();
    expect(readdirSync(target).sort()).toEqual(['config.json', 'stale.bin']);
    expect(readFileSync(join(target, 'config.json'), 'utf8')).toBe('old');

    const ok = await stageNodeOutput(target, { modelDir: tmp('model'), overwrite: true });
    await writeTo(ok.folder, 'config.json', 'new');
    await ok.commit();
    expect(readdirSync(target)).toEqual(['config.json']);
    expect(readFileSync(join(target, 'config.json'), 'utf8')).toBe('new');
    expect(readdirSync(parent)).toEqual(['out']); // the replaced folder is gone
  });

  it('refuses names that leave the folder and files that exist already (no write through links)', async () => {
    const staged = await stageNodeOutput(join(tmp('names'), 'out'), { modelDir: tmp('model'), overwrite: false });
    await expect(staged.folder.create('../escape')).rejects.toThrow(/escapes the output folder/);
    await expect(staged.folder.create('/etc/x')).rejects.toThrow(/escapes the output folder/);
    await writeTo(staged.folder, 'a.json', '1');
    await expect(staged.folder.create('a.json')).rejects.toThrow(/EEXIST/);
    await staged.discard();
  });

  it('refuses a destination that fills up while exporting (without overwrite)', async () => {
    const parent = tmp('race');
    const target = join(parent, 'out');
    const staged = await stageNodeOutput(target, { modelDir: tmp('model'), overwrite: false });
    mkdirSync(target);
    writeFileSync(join(target, 'theirs.txt'), 'x');
    await expect(staged.commit()).rejects.toThrow(OutputFolderError);
    expect(readdirSync(target)).toEqual(['theirs.txt']);
    await staged.discard();
    expect(readdirSync(parent)).toEqual(['out']);
  });

  it('refuses a destination that became a link while exporting', async () => {
    const parent = tmp('link');
    const target = join(parent, 'out');
    const elsewhere = tmp('elsewhere');
    const staged = await stageNodeOutput(target, { modelDir: tmp('model'), overwrite: true });
    symlinkSync(elsewhere, target);
    await expect(staged.commit()).rejects.toThrow(/symbolic link/);
    expect(lstatSync(target).isSymbolicLink()).toBe(true);
    expect(readdirSync(elsewhere)).toEqual([]);
    await staged.discard();
  });
});

describe('fileSink', () => {
  /** A FileHandle stand-in: records writes and flushes; datasync resolves when the test says. */
  function fakeHandle(failFlush = false) {
    const log: string[] = [];
    const pending: (() => void)[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const handle = {
      async write(chunk: Uint8Array, offset: number, length: number) {
        log.push(`write ${length}`);
        return { bytesWritten: length, buffer: chunk.subarray(offset) };
      },
      datasync() {
        log.push('datasync');
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        return new Promise<void>((resolve, reject) => pending.push(() => (inFlight--, failFlush ? reject(new Error('EIO: i/o error, fdatasync')) : resolve())));
      },
      async sync() {
        log.push('sync');
      },
      async close() {
        log.push('close');
      },
    };
    return { handle: handle as unknown as import('node:fs/promises').FileHandle, log, pending, maxInFlight: () => maxInFlight };
  }

  it('flushes in the background every N bytes, one flush at a time, and syncs before it closes', async () => {
    const f = fakeHandle();
    const sink = fileSink(f.handle, 100);
    for (let i = 0; i < 5; i++) await sink.write(new Uint8Array(60)); // 120 bytes -> flush; the next two wait for it
    expect(f.log.filter((l) => l === 'datasync')).toHaveLength(1);
    f.pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    await sink.write(new Uint8Array(60)); // 180 unflushed since the first flush began -> a second one
    expect(f.log.filter((l) => l === 'datasync')).toHaveLength(2);
    const closing = sink.close();
    f.pending.shift()!(); // close waits for the flush in flight, then syncs
    await closing;
    expect(f.log.slice(-2)).toEqual(['sync', 'close']);
    expect(f.maxInFlight()).toBe(1);
  });

  it('a background flush that fails fails the next write (and close still closes the file)', async () => {
    const f = fakeHandle(true);
    const sink = fileSink(f.handle, 10);
    await sink.write(new Uint8Array(20));
    f.pending.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    await expect(sink.write(new Uint8Array(20))).rejects.toThrow(/EIO/);
    await expect(sink.close()).rejects.toThrow(/EIO/);
    expect(f.log.at(-1)).toBe('close');
    expect(f.log).not.toContain('sync');
  });
});
