// Node file access (node:fs): a model folder read with positioned reads, and an output folder.

import { mkdir, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelFileError } from './errors';
import type { ByteSink, FileSource, ModelFiles, OutputFolder } from './source';

/** Node refuses single reads above 2 GiB; read big tensors in pieces. */
const MAX_READ_CHUNK = 1 << 30;

/** Every file under `dir` (hidden folders like .git/.cache skipped), named relative to it with '/'. */
export async function openNodeFolder(dir: string): Promise<ModelFiles> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ModelFileError(root, 'is not a folder', 'Pass the folder that holds config.json and the safetensors files');
  }
  const map = new Map<string, FileSource>();
  await walk(root, '', map);
  return { label: root, names: () => [...map.keys()], get: (name) => map.get(name) };
}

async function walk(root: string, rel: string, map: Map<string, FileSource>): Promise<void> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const name = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(root, name);
    if (e.isDirectory()) await walk(root, name, map);
    else if (e.isFile() || e.isSymbolicLink()) {
      const s = await stat(full).catch(() => null);
      if (s?.isFile()) map.set(name, nodeFileSource(name, full, s.size));
    }
  }
}

function nodeFileSource(name: string, fullPath: string, size: number): FileSource {
  return {
    name,
    size,
    async read(start, end) {
      const from = Math.max(0, start);
      const to = Math.min(size, end);
      const out = new Uint8Array(Math.max(0, to - from));
      const handle = await open(fullPath, 'r');
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

/** Writes files under `dir` (created with parents); names may contain '/'. */
export async function nodeOutputFolder(dir: string): Promise<OutputFolder> {
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  return {
    async create(name: string): Promise<ByteSink> {
      const full = path.join(root, name);
      if (!full.startsWith(root + path.sep)) {
        throw new ModelFileError(name, 'output name escapes the output folder', 'Use a plain relative file name');
      }
      await mkdir(path.dirname(full), { recursive: true });
      const handle = await open(full, 'w');
      return {
        async write(chunk) {
          let done = 0;
          while (done < chunk.length) {
            const { bytesWritten } = await handle.write(chunk, done, Math.min(MAX_READ_CHUNK, chunk.length - done));
            done += bytesWritten;
          }
        },
        close: () => handle.close(),
      };
    },
  };
}
