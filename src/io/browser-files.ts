// Browser file access (DOM types only): a model folder from <input webkitdirectory> or a drop.

import type { FileSource, ModelFiles } from './source';

function fileSource(name: string, file: File): FileSource {
  return {
    name,
    size: file.size,
    read: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()),
  };
}

/** Splits paths and removes the top folder when every file sits under the same one. */
function stripCommonTop(paths: string[]): { label: string | null; names: string[] } {
  const parts = paths.map((p) => p.split('/').filter((s) => s.length > 0));
  const top = parts[0]?.[0];
  const shared = parts.length > 0 && parts.every((p) => p.length > 1 && p[0] === top);
  return shared ? { label: top ?? null, names: parts.map((p) => p.slice(1).join('/')) } : { label: null, names: parts.map((p) => p.join('/')) };
}

function filesFromPairs(pairs: { path: string; file: File }[], fallbackLabel: string): ModelFiles {
  const { label, names } = stripCommonTop(pairs.map((p) => p.path));
  const map = new Map<string, FileSource>();
  names.forEach((name, i) => map.set(name, fileSource(name, pairs[i].file)));
  return { label: label ?? fallbackLabel, names: () => [...map.keys()], get: (n) => map.get(n) };
}

/** Files from a directory picker (webkitRelativePath "folder/sub/file") or a plain multi-file picker. */
export function filesFromFileList(files: File[]): ModelFiles {
  return filesFromPairs(
    files.map((file) => ({ path: file.webkitRelativePath || file.name, file })),
    files.length === 1 ? files[0].name : 'selected files',
  );
}

/** Files from a drop: folders walked recursively. Entries are taken synchronously (the DataTransfer
 *  empties once the event handler returns), then read. */
export async function filesFromDataTransfer(dt: DataTransfer): Promise<ModelFiles> {
  const roots: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry) roots.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  const pairs: { path: string; file: File }[] = loose.map((file) => ({ path: file.name, file }));
  for (const entry of roots) await collect(entry, entry.name, pairs);
  return filesFromPairs(pairs, 'dropped files');
}

async function collect(entry: FileSystemEntry, path: string, out: { path: string; file: File }[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call: call until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await collect(child, `${path}/${child.name}`, out);
  }
}
