// Cleanup for an export into a user-picked directory that did not finish (cancelled or
// failed): the files it created are removed, so no half-written model folder looks complete.
import type { ByteSink, OutputFolder } from '../io/source';

export interface TrackedOutput {
  folder: OutputFolder;
  /** Names (relative, '/'-separated) of every file created so far, in order. */
  created: string[];
}

/** Wraps an OutputFolder and records each file it creates. */
export function trackCreated(out: OutputFolder): TrackedOutput {
  const created: string[] = [];
  return {
    created,
    folder: {
      async create(name: string): Promise<ByteSink> {
        const sink = await out.create(name);
        created.push(name);
        return sink;
      },
    },
  };
}

/**
 * Removes `names` from `root` (best effort: a file still locked by an unclosed writable is
 * left; the browser discards an unclosed writable's data, so it stays empty).
 * Returns the names it could not remove.
 */
export async function removeCreated(root: FileSystemDirectoryHandle, names: string[]): Promise<string[]> {
  const left: string[] = [];
  for (const name of names) {
    const parts = name.split('/').filter(Boolean);
    const fileName = parts.pop();
    if (!fileName) continue;
    try {
      let dir = root;
      for (const p of parts) dir = await dir.getDirectoryHandle(p);
      await dir.removeEntry(fileName);
    } catch {
      left.push(name);
    }
  }
  return left;
}
