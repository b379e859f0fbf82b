// Output folders in Node (node:fs).
// stageNodeOutput: the CLI's export destination, checked before anything is loaded, then written
// into a fresh sibling ".<name>.partial-<hex>" and renamed into place only once complete, so the
// destination holds its old contents or a whole export, never a mix. With overwrite the old folder
// is moved aside, replaced, then removed. Files are created exclusively and never through a symlink
// (O_EXCL | O_NOFOLLOW). Folders are made one level at a time: Node's mkdir({recursive}) never
// returns for paths under /proc.

import { constants, rmdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ModelFileError, OutputFolderError } from './errors';
import type { ByteSink, OutputFolder } from './source';

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Node refuses single writes above 2 GiB. */
const MAX_WRITE_CHUNK = 1 << 30;

export interface StagedOutput {
  /** Where the export writes while it runs (the temporary sibling). */
  readonly folder: OutputFolder;
  /** The destination: absolute, its parents' symlinks resolved. */
  readonly target: string;
  /** Moves the finished export into place (replacing the old folder when overwrite was given). */
  commit(): Promise<void>;
  /** Removes the temporary folder and the parents made for it; a no-op after commit. */
  discard(): Promise<void>;
  /** discard() for signal handlers (synchronous). */
  discardSync(): void;
}

export interface StageOptions {
  /** The model folder being read: the destination may not be it, inside it, or hold it. */
  modelDir: string;
  /** Replace a non-empty destination (after the new export is complete). */
  overwrite: boolean;
}

const isWithin = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
const codeOf = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code ?? '';

/** Checks `out` and creates the temporary folder beside it; throws OutputFolderError before any export work. */
export async function stageNodeOutput(out: string, opts: StageOptions): Promise<StagedOutput> {
  const asked = path.resolve(out);
  if (path.dirname(asked) === asked) throw new OutputFolderError(out, 'is the root of the file system', 'Pass a new folder for the pruned model, e.g. --out ./model-compact');
  const { target, missing, existing } = await resolveTarget(out, asked);
  const model = await realpath(opts.modelDir).catch(() => path.resolve(opts.modelDir));
  const suggestion = `${model.replace(/[\\/]+$/, '')}-compact`;
  if (target === model) {
    throw new OutputFolderError(out, 'is the model folder: the export would overwrite the model\'s own files', `Pass a new folder, e.g. --out ${suggestion}`);
  }
  if (isWithin(target, model)) {
    throw new OutputFolderError(out, `is inside the model folder ${model}: the export would mix with (and shadow) the model's files`, `Pass a folder outside the model folder, e.g. --out ${suggestion}`);
  }
  if (isWithin(model, target)) {
    throw new OutputFolderError(out, `holds the model folder ${model}: replacing it would delete the model`, `Pass a folder that does not contain the model, e.g. --out ${suggestion}`);
  }
  if (existing) {
    const entries = await readdir(target).catch((e) => {
      throw pathError(out, 'cannot read the folder', e);
    });
    if (entries.length > 0 && !opts.overwrite) {
      const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
      throw new OutputFolderError(out, `is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${shown})`, 'Pass --overwrite to replace it once the new export is complete, or choose a new folder');
    }
  }

  // Parents the destination needs, made now (one level at a time) so permission problems show at once.
  const made: string[] = [];
  let dir = path.join(target, ...missing.map(() => '..'));
  for (const seg of missing.slice(0, -1)) {
    dir = path.join(dir, seg);
    await mkdir(dir).catch((e) => {
      removeDirsSync(made);
      throw pathError(out, `cannot create the folder ${dir}`, e);
    });
    made.push(dir);
  }
  const temp = await freshSibling(target, 'partial').catch((e) => {
    removeDirsSync(made);
    throw pathError(out, `cannot create a folder in ${path.dirname(target)}`, e);
  });

  let state: 'open' | 'committed' | 'discarded' = 'open';
  return {
    folder: exclusiveFolder(temp),
    target,
    async commit() {
      if (state !== 'open') throw new Error(`internal: staged output already ${state}`);
      await moveIntoPlace(out, temp, target, opts.overwrite);
      state = 'committed';
    },
    async discard() {
      if (state !== 'open') return;
      state = 'discarded';
      await rm(temp, { recursive: true, force: true });
      removeDirsSync(made);
    },
    discardSync() {
      if (state !== 'open') return;
      state = 'discarded';
      rmSync(temp, { recursive: true, force: true });
      removeDirsSync(made);
    },
  };

  function removeDirsSync(dirs: string[]): void {
    for (const d of [...dirs].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // not empty any more (someone else wrote there): leave it
      }
    }
    dirs.length = 0;
  }
}

/** The real destination path (parents' symlinks resolved), the path segments that do not exist yet,
 *  and whether the destination itself exists (then it is a real folder, not a link or a file). */
async function resolveTarget(out: string, asked: string): Promise<{ target: string; missing: string[]; existing: boolean }> {
  const missing: string[] = [];
  let p = asked;
  for (;;) {
    try {
      const st = await lstat(p);
      if (p === asked) {
        if (st.isSymbolicLink()) {
          throw new OutputFolderError(out, 'is a symbolic link: the export would replace the link or write into its target', 'Pass the real folder path (or a new folder)');
        }
        if (!st.isDirectory()) throw new OutputFolderError(out, 'exists and is not a folder (EEXIST)', 'Pass a folder path, or a path that does not exist yet');
      } else if (!(await stat(p)).isDirectory()) {
        throw new OutputFolderError(out, `${p} is not a folder (ENOTDIR)`, 'Pass a path whose parents are folders');
      }
      break;
    } catch (e) {
      if (e instanceof OutputFolderError) throw e;
      if (codeOf(e) !== 'ENOENT') throw pathError(out, `cannot use ${p}`, e);
      missing.unshift(path.basename(p));
      const up = path.dirname(p);
      if (up === p) throw pathError(out, 'no part of the path exists', e);
      p = up;
    }
  }
  const real = await realpath(p).catch((e) => {
    throw pathError(out, `cannot resolve ${p}`, e);
  });
  return { target: path.join(real, ...missing), missing, existing: missing.length === 0 };
}

/** Creates ".<name>.<tag>-<hex>" next to `target` (a new, empty folder only we know). */
async function freshSibling(target: string, tag: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const p = path.join(path.dirname(target), `.${path.basename(target)}.${tag}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(p);
      return p;
    } catch (e) {
      if (codeOf(e) !== 'EEXIST' || attempt > 8) throw e;
    }
  }
}

async function moveIntoPlace(out: string, temp: string, target: string, overwrite: boolean): Promise<void> {
  const st = await lstat(target).catch((e) => (codeOf(e) === 'ENOENT' ? null : Promise.reject(e)));
  if (st?.isSymbolicLink()) throw new OutputFolderError(out, 'became a symbolic link while exporting', 'Pass the real folder path');
  if (!st) return void (await rename(temp, target));
  if (!st.isDirectory()) throw new OutputFolderError(out, 'became a file while exporting', 'Pass a folder path');
  const entries = await readdir(target);
  if (entries.length === 0) return void (await replaceEmpty(temp, target));
  if (!overwrite) throw new OutputFolderError(out, 'was filled by someone else while exporting', 'Pass --overwrite, or choose a new folder');
  // Move the old folder aside (onto a fresh empty sibling), put the new one in place, then delete the old.
  const aside = await freshSibling(target, 'replaced');
  await rename(target, aside);
  try {
    await rename(temp, target);
  } catch (e) {
    await rename(aside, target);
    throw e;
  }
  await rm(aside, { recursive: true, force: true });
}

/** POSIX rename replaces an empty folder; elsewhere remove it first. */
async function replaceEmpty(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (e) {
    if (!['EEXIST', 'ENOTEMPTY', 'EPERM', 'EISDIR'].includes(codeOf(e))) throw e;
    await rmdir(target);
    await rename(temp, target);
  }
}

function pathError(out: string, what: string, e: unknown): OutputFolderError {
  const code = codeOf(e);
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENOENT: 'this location does not accept new folders',
    ENOSPC: 'the disk is full',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the path is too long',
  };
  const detail = code ? `${code}: ${why[code] ?? (e as Error).message}` : (e as Error).message;
  const fix = code === 'ENOTDIR' ? 'Pass a path whose parents are folders (or a new folder name)' : 'Choose an --out folder on a disk you can write to';
  return new OutputFolderError(out, `${what} (${detail})`, fix);
}

/** Files under `root` (which exists and is ours), created exclusively, never through links. */
function exclusiveFolder(root: string): OutputFolder {
  return {
    async create(name: string): Promise<ByteSink> {
      const parts = name.split('/');
      if (parts.some((p) => p === '' || p === '.' || p === '..') || path.isAbsolute(name)) {
        throw new ModelFileError(name, 'output name escapes the output folder', 'Use a plain relative file name');
      }
      let dir = root;
      for (const p of parts.slice(0, -1)) {
        dir = path.join(dir, p);
        await mkdir(dir).catch(async (e) => {
          if (codeOf(e) !== 'EEXIST' || !(await lstat(dir)).isDirectory()) throw e;
        });
      }
      const handle = await open(path.join(root, name), WRITE_FLAGS, 0o644);
      return fileSink(handle);
    },
  };
}

/**
 * Bytes written between two background flushes (fdatasync, one at a time, not awaited by write):
 * the disk writes while the export gathers the next chunks, instead of a whole 5 GB shard in the
 * fsync before the rename (most of a 12 GB export's time on the H200 machine's 0.7 GB/s disk).
 */
export const FLUSH_EVERY_BYTES = 256 * 2 ** 20;

/** A file's sink: writes in pieces of at most 1 GiB, flushes in the background, and syncs on close. */
export function fileSink(handle: FileHandle, flushEveryBytes = FLUSH_EVERY_BYTES): ByteSink {
  let unflushed = 0;
  let flushing: Promise<void> | null = null;
  let flushError: unknown = null;
  const failed = () => {
    if (flushError !== null) throw flushError; // a flush that failed (EIO, ENOSPC) fails the export
  };
  return {
    async write(chunk) {
      failed();
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, done, Math.min(MAX_WRITE_CHUNK, chunk.length - done));
        done += bytesWritten;
      }
      unflushed += chunk.length;
      if (unflushed >= flushEveryBytes && flushing === null) {
        unflushed = 0;
        flushing = handle.datasync().then(
          () => void (flushing = null),
          (e) => void ((flushError = e), (flushing = null)),
        );
      }
    },
    async close() {
      try {
        await flushing;
        failed();
        await handle.sync(); // on disk before the folder is renamed into place
      } finally {
        await handle.close();
      }
    },
  };
}

/** A plain output folder (benchmarks, tests): `dir` and its parents created, files written exclusively. */
export async function nodeOutputFolder(dir: string): Promise<OutputFolder> {
  const root = path.resolve(dir);
  const missing: string[] = [];
  for (let p = root; ; p = path.dirname(p)) {
    const exists = await lstat(p).then(() => true, (e) => (codeOf(e) === 'ENOENT' ? false : Promise.reject(e)));
    if (exists || path.dirname(p) === p) break;
    missing.unshift(p);
  }
  for (const p of missing) await mkdir(p);
  return exclusiveFolder(root);
}
