// Gathers a dropped or picked model folder as (path, File) pairs the worker can receive by
// structured clone. Paths are made relative to the model folder (a shared top folder becomes the label).
import type { DroppedFile } from '../worker/protocol';

export interface PickedFolder {
  label: string;
  files: DroppedFile[];
}

/** Drops a top folder every path shares ("stories260K/config.json" -> "config.json"). */
export function relativeToFolder(pairs: DroppedFile[], fallbackLabel: string): PickedFolder {
  const split = pairs.map((p) => p.path.split('/').filter(Boolean));
  const top = split[0]?.[0];
  const shared = split.length > 0 && split.every((s) => s.length > 1 && s[0] === top);
  const files = pairs
    .map((p, i) => ({ path: shared ? split[i].slice(1).join('/') : split[i].join('/'), file: p.file }))
    .filter((p) => !p.path.split('/').some((seg) => seg.startsWith('.'))); // .DS_Store, .git, .cache
  return { label: shared && top ? top : fallbackLabel, files };
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
  if (!roots.length && !loose.length) loose.push(...Array.from(dt.files));
  const pairs: DroppedFile[] = loose.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  for (const entry of roots) await walk(entry, entry.name, pairs);
  return relativeToFolder(pairs, roots.length === 1 && roots[0].isDirectory ? roots[0].name : 'dropped files');
}

async function walk(entry: FileSystemEntry, path: string, out: DroppedFile[]): Promise<void> {
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
