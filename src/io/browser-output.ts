// OutputFolder over a directory the user picked with showDirectoryPicker (works in a worker:
// the FileSystemDirectoryHandle is structured-cloned there). Nested names create folders.
import type { ByteSink, OutputFolder } from './source';

export function directoryOutput(root: FileSystemDirectoryHandle): OutputFolder {
  return {
    async create(name: string): Promise<ByteSink> {
      const parts = name.split('/').filter(Boolean);
      const fileName = parts.pop();
      if (!fileName) throw new Error(`directory output: empty file name "${name}"`);
      let dir = root;
      for (const p of parts) dir = await dir.getDirectoryHandle(p, { create: true });
      const handle = await dir.getFileHandle(fileName, { create: true });
      const stream = await handle.createWritable({ keepExistingData: false });
      return {
        write: async (chunk) => stream.write(chunk.slice()),
        close: async () => stream.close(),
      };
    },
  };
}
