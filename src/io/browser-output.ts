// OutputFolder over a directory handle (showDirectoryPicker; works in a worker: the
// FileSystemDirectoryHandle is structured-cloned there). Nested names create folders. A file that
// already exists is refused, never overwritten: the export writes into a fresh folder
// (worker/partial-export.ts). Writables still open when an export fails can be aborted.
import type { ByteSink, OutputFolder } from './source';

export interface DirectoryOutput {
  folder: OutputFolder;
  /** Aborts every writable not closed yet (its data is discarded). */
  abortOpen(): Promise<void>;
}

export function directoryOutput(root: FileSystemDirectoryHandle): DirectoryOutput {
  const open = new Set<FileSystemWritableFileStream>();
  return {
    folder: {
      async create(name: string): Promise<ByteSink> {
        const parts = name.split('/').filter(Boolean);
        const fileName = parts.pop();
        if (!fileName || parts.some((p) => p === '.' || p === '..')) throw new Error(`directory output: bad file name "${name}"`);
        let dir = root;
        for (const p of parts) dir = await dir.getDirectoryHandle(p, { create: true });
        if (await fileExists(dir, fileName)) throw new Error(`directory output: ${name} already exists (an export never overwrites a file)`);
        const stream = await (await dir.getFileHandle(fileName, { create: true })).createWritable({ keepExistingData: false });
        open.add(stream);
        return {
          write: async (chunk) => stream.write(chunk.slice()),
          close: async () => {
            await stream.close();
            open.delete(stream);
          },
        };
      },
    },
    async abortOpen() {
      for (const s of open) await s.abort().catch(() => undefined);
      open.clear();
    },
  };
}

async function fileExists(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await dir.getFileHandle(name);
    return true;
  } catch (e) {
    if ((e as DOMException).name === 'NotFoundError') return false;
    if ((e as DOMException).name === 'TypeMismatchError') return true; // a folder of that name
    throw e;
  }
}
