// The .zip export streamed into a file the user picked in the UI thread (showSaveFilePicker):
// chunks go through createWritable(), which writes a swap file that replaces the target only on
// close(). On failure or cancel the stream is aborted (the swap file goes) and the picked file
// is removed if it is empty (the picker created it); a file with content is never removed.
import { createZipOutput, writableSink, type WritableLike } from '../io/zip-output';
import type { OutputFolder } from '../io/source';

/** The little of FileSystemFileHandle this needs (lets tests pass a fake). */
export interface SaveTarget {
  readonly name: string;
  createWritable(): Promise<WritableLike>;
  getFile(): Promise<{ size: number }>;
  /** Chrome 110+: FileSystemHandle.remove(). */
  remove?(): Promise<void>;
}

/** Runs `write` into a zip under `folderName` streamed into `target`; on error cleans up and rethrows. */
export async function zipIntoFile<T>(target: SaveTarget, folderName: string, write: (folder: OutputFolder) => Promise<T>): Promise<T> {
  const stream = await target.createWritable();
  const out = createZipOutput(folderName, writableSink(stream));
  try {
    const result = await write(out.folder);
    await out.finish();
    return result;
  } catch (err) {
    await out.abort().catch(() => {});
    await removeIfEmpty(target);
    throw err;
  }
}

async function removeIfEmpty(target: SaveTarget): Promise<void> {
  try {
    if (typeof target.remove === 'function' && (await target.getFile()).size === 0) await target.remove();
  } catch (e) {
    console.warn(`[engine] could not remove the unfinished ${target.name}:`, e);
  }
}
