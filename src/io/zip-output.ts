// OutputFolder over a streamed .zip (fflate): each created file becomes a zip entry whose
// chunks are compressed (text files) or stored (safetensors) as they arrive; the archive's
// chunks collect into a Blob, which the browser can spill to disk.
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { ByteSink, OutputFolder } from './source';

export interface ZipOutput {
  folder: OutputFolder;
  /** Ends the archive once every file is closed; resolves to the whole .zip. */
  finish(): Promise<Blob>;
}

/** Weights do not compress; JSON and text do. */
function storesOnly(name: string): boolean {
  return /\.(safetensors|bin|gguf|pt)$/i.test(name);
}

/** `prefix` (e.g. "stories260K-compact/") puts every entry in one folder inside the zip. */
export function createZipOutput(prefix = ''): ZipOutput {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let failure: Error | null = null;
  let resolveDone: (b: Blob) => void = () => {};
  let rejectDone: (e: Error) => void = () => {};
  const done = new Promise<Blob>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const zip = new Zip((err, data, final) => {
    if (err) {
      failure = err;
      rejectDone(err);
      return;
    }
    chunks.push(data as Uint8Array<ArrayBuffer>);
    if (final) resolveDone(new Blob(chunks, { type: 'application/zip' }));
  });
  const open = new Set<string>();
  let ended = false;

  const folder: OutputFolder = {
    async create(name: string): Promise<ByteSink> {
      if (ended) throw new Error(`zip output: cannot create ${name} after finish()`);
      const entryName = prefix + name;
      const entry = storesOnly(name) ? new ZipPassThrough(entryName) : new ZipDeflate(entryName, { level: 6 });
      zip.add(entry);
      open.add(entryName);
      let closed = false;
      return {
        async write(chunk: Uint8Array) {
          if (failure) throw failure;
          if (closed) throw new Error(`zip output: ${name} is already closed`);
          // Copy: the caller may reuse its buffer after write() resolves, fflate keeps a reference.
          entry.push(chunk.slice(), false);
        },
        async close() {
          if (closed) return;
          closed = true;
          entry.push(new Uint8Array(0), true);
          open.delete(entryName);
        },
      };
    },
  };

  return {
    folder,
    async finish() {
      if (open.size) throw new Error(`zip output: files still open: ${[...open].join(', ')}`);
      ended = true;
      zip.end();
      return done;
    },
  };
}
