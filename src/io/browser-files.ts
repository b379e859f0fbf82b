// Browser file access (DOM types only): a model folder from a drop or <input webkitdirectory>.
// The UI gathers (path, File) pairs, which pass to the worker by structured clone; the worker wraps
// them into the engine's ModelFiles contract (random-access reads).

import type { FileSource, ModelFiles } from './source';

/** A File with its path relative to the model folder ('/'-separated). Structured-cloneable. */
export interface FolderFile {
  path: string;
  file: File;
}

/** A gathered model folder: its label (the dropped folder's name) and its files. */
export interface PickedFolder {
  label: string;
  /** The dropped or picked folder's name; null for loose files (then `label` is a fallback). */
  folder: string | null;
  files: FolderFile[];
}

/** Drops a top folder every path shares ("stories260K/config.json" -> "config.json") and uses it as
 *  the label; skips hidden files and folders (.DS_Store, .git, .cache). */
export function relativeToFolder(pairs: FolderFile[], fallbackLabel: string): PickedFolder {
  const split = pairs.map((p) => p.path.split('/').filter(Boolean));
  const top = split[0]?.[0];
  const shared = split.length > 0 && split.every((s) => s.length > 1 && s[0] === top);
  const files = pairs
    .map((p, i) => ({ path: shared ? split[i].slice(1).join('/') : split[i].join('/'), file: p.file }))
    .filter((p) => !p.path.split('/').some((seg) => seg.startsWith('.')));
  return { label: shared && top ? top : fallbackLabel, folder: shared && top ? top : null, files };
}

/** From <input type=file webkitdirectory> (webkitRelativePath set) or a multi-file picker. */
export function pickedFromFileList(list: FileList | File[]): PickedFolder {
  const files = Array.from(list);
  return relativeToFolder(
    files.map((file) => ({ path: file.webkitRelativePath || file.name, file })),
    files.length === 1 ? files[0].name : 'dropped files',
  );
}

/** From a drop: folders walked recursively (webkitGetAsEntry); loose files kept by name. Entries are
 *  taken synchronously because the DataTransfer empties once the event handler returns. */
export async function pickedFromDataTransfer(dt: DataTransfer): Promise<PickedFolder> {
  const roots: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) roots.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  if (!roots.length && !loose.length && dt.files) loose.push(...Array.from(dt.files));
  const pairs: FolderFile[] = loose.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  for (const entry of roots) await walk(entry, entry.name, pairs);
  return relativeToFolder(pairs, roots.length === 1 && roots[0].isDirectory ? roots[0].name : 'dropped files');
}

async function walk(entry: FileSystemEntry, path: string, out: FolderFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path, file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    // readEntries returns at most ~100 entries per call: repeat until empty.
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) await walk(child, `${path}/${child.name}`, out);
  }
}

function fileSource(name: string, file: Blob): FileSource {
  return {
    name,
    size: file.size,
    read: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()),
  };
}

/** The engine's view of gathered files; paths are taken as given (already folder-relative). */
export function modelFilesFromPairs(label: string, pairs: FolderFile[]): ModelFiles {
  const map = new Map<string, FileSource>();
  for (const p of pairs) map.set(p.path, fileSource(p.path, p.file));
  return { label, names: () => [...map.keys()], get: (n) => map.get(n) };
}
