// An export into a directory the user picked (showDirectoryPicker) never touches what is already
// there: it writes into a subfolder that did not exist before ("<label>-compact", or "-2", "-3"...
// when taken) and removes that subfolder whole when the export fails or is cancelled. Chromium's
// FileSystemDirectoryHandle has no rename, so there is no "write aside, then move" step; instead
// the exporter writes config.json last, so a folder cut short by a closed tab loads nowhere.
import { directoryOutput } from '../io/browser-output';
import type { OutputFolder } from '../io/source';

/** Tries "<base>", "<base>-2", ...: names of existing files and folders are never reused. */
const MAX_TRIES = 100;

export async function exportIntoFreshFolder<T>(
  root: FileSystemDirectoryHandle,
  base: string,
  write: (out: OutputFolder) => Promise<T>,
): Promise<{ folder: string; result: T }> {
  const { name, dir } = await createFreshFolder(root, base);
  const out = directoryOutput(dir);
  try {
    return { folder: name, result: await write(out.folder) };
  } catch (err) {
    await out.abortOpen(); // an open writable would keep its file (and so the folder) alive
    try {
      await root.removeEntry(name, { recursive: true });
    } catch (e) {
      console.warn(`[engine] could not remove the unfinished export folder "${name}" (${(e as Error).message}); it has no config.json and will not load`);
    }
    throw err;
  }
}

async function createFreshFolder(root: FileSystemDirectoryHandle, base: string): Promise<{ name: string; dir: FileSystemDirectoryHandle }> {
  for (let i = 1; i <= MAX_TRIES; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (await exists(root, name)) continue;
    return { name, dir: await root.getDirectoryHandle(name, { create: true }) };
  }
  throw new Error(`"${base}" and ${MAX_TRIES - 1} numbered variants already exist in the picked folder: pick another folder`);
}

/** True when `name` is taken by a file or a folder. */
async function exists(root: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  try {
    await root.getDirectoryHandle(name);
    return true;
  } catch (e) {
    if ((e as DOMException).name === 'TypeMismatchError') return true; // a file of that name
    if ((e as DOMException).name === 'NotFoundError') return false;
    throw e;
  }
}
