// Wraps the File objects the UI sends into the engine's ModelFiles contract (random-access reads).
import type { FileSource, ModelFiles } from '../io/source';
import type { DroppedFile } from './protocol';

function fileSource(name: string, file: Blob): FileSource {
  return {
    name,
    size: file.size,
    read: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()),
  };
}

/** Paths are taken as given (already relative to the model folder, see ui/collect-files.ts). */
export function modelFilesFromDropped(label: string, files: DroppedFile[]): ModelFiles {
  const map = new Map<string, FileSource>();
  for (const f of files) map.set(f.path, fileSource(f.path, f.file));
  return { label, names: () => [...map.keys()], get: (n) => map.get(n) };
}
