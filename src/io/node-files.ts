// Node file access (node:fs): a model folder read with positioned reads.
// Symbolic links are followed only where they stay inside the model folder, or where they are the
// Hugging Face cache's own layout (snapshots/<rev>/<file> -> ../../blobs/<hash> of the same repo);
// any other link is left out and listed in `skipped` with the reason, so nothing outside the folder
// is read (or copied into an export). Plain files are opened with O_NOFOLLOW, so a file swapped for
// a link after listing is refused too.

import { constants } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelFileError } from './errors';
import type { FileSource, ModelFiles, SkippedFile } from './source';

/** Node refuses single reads above 2 GiB; read big tensors in pieces. */
const MAX_READ_CHUNK = 1 << 30;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/** Every file under `dir` (hidden folders like .git/.cache skipped), named relative to it with '/'. */
export async function openNodeFolder(dir: string): Promise<ModelFiles> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ModelFileError(root, 'is not a folder', 'Pass the folder that holds config.json and the safetensors files');
  }
  const rootReal = await realpath(root);
  const map = new Map<string, FileSource>();
  const skipped: SkippedFile[] = [];
  await walk({ root, rootReal, hfBlobs: hfCacheBlobs(rootReal), map, skipped }, '');
  return { label: root, names: () => [...map.keys()], get: (name) => map.get(name), skipped };
}

interface WalkState {
  root: string;
  rootReal: string;
  /** `<repo>/blobs` when rootReal is `<repo>/snapshots/<rev>` of a Hugging Face cache, else null. */
  hfBlobs: string | null;
  map: Map<string, FileSource>;
  skipped: SkippedFile[];
}

const within = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);

function hfCacheBlobs(rootReal: string): string | null {
  const snapshots = path.dirname(rootReal);
  return path.basename(snapshots) === 'snapshots' ? path.join(path.dirname(snapshots), 'blobs') : null;
}

async function walk(s: WalkState, rel: string): Promise<void> {
  const entries = await readdir(path.join(s.root, rel), { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const name = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(s.root, name);
    if (e.isDirectory()) await walk(s, name);
    else if (e.isFile()) {
      const st = await stat(full).catch(() => null);
      if (st?.isFile()) s.map.set(name, nodeFileSource(name, full, st.size));
    } else if (e.isSymbolicLink()) {
      await addLink(s, name, full);
    }
  }
}

/** A link is read through its resolved target when that target is a file the folder may use. */
async function addLink(s: WalkState, name: string, full: string): Promise<void> {
  const target = await realpath(full).catch(() => null);
  if (target === null) {
    s.skipped.push({ name, reason: 'a broken symbolic link: not read' });
    return;
  }
  const allowed = within(target, s.rootReal) || (s.hfBlobs !== null && within(target, s.hfBlobs));
  if (!allowed) {
    s.skipped.push({ name, reason: `a symbolic link to ${target}, outside the model folder: not read` });
    return;
  }
  const st = await stat(target).catch(() => null);
  if (st?.isFile()) s.map.set(name, nodeFileSource(name, target, st.size));
  else s.skipped.push({ name, reason: 'a symbolic link to a folder: not followed' });
}

function nodeFileSource(name: string, fullPath: string, size: number): FileSource {
  return {
    name,
    size,
    readsInto: true,
    async read(start, end, into) {
      const from = Math.max(0, start);
      const to = Math.min(size, end);
      const n = Math.max(0, to - from);
      // unzeroed: every byte is read over (a short read returns only what was read)
      const raw = into && into.length >= n ? null : Buffer.allocUnsafeSlow(n);
      const out = raw ? new Uint8Array(raw.buffer, raw.byteOffset, raw.length) : into!.subarray(0, n);
      const handle = await open(fullPath, READ_FLAGS).catch((e) => {
        throw new ModelFileError(name, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'Check that the file is still there and is a plain file, not a link');
      });
      try {
        let done = 0;
        while (done < out.length) {
          const want = Math.min(MAX_READ_CHUNK, out.length - done);
          const { bytesRead } = await handle.read(out, done, want, from + done);
          if (bytesRead === 0) break; // file shrank since it was listed; caller sees a short read
          done += bytesRead;
        }
        return done === out.length ? out : out.subarray(0, done);
      } finally {
        await handle.close();
      }
    },
  };
}
