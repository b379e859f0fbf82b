// OutputFolder over a streamed .zip (fflate): each created file becomes a zip entry whose
// chunks are compressed (text files) or stored (safetensors) as they arrive. The archive's
// chunks go to a ChunkSink as they are made: Blob parts spilled every 64 MiB (the browser
// keeps Blob data out of the JS heap, on disk when large), or a writable file stream.
// A file's write() resolves once the sink has taken its chunks: backpressure for the exporter.
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { ByteSink, OutputFolder } from './source';

/** Where the archive's bytes go, in order. */
export interface ChunkSink<R> {
  /** Takes the next chunk of the archive (the sink may keep it: it is not reused). */
  write(chunk: Uint8Array<ArrayBuffer>): Promise<void>;
  /** The archive is complete. */
  close(): Promise<R>;
  /** The archive will not be completed: drop what was taken. */
  abort(): Promise<void>;
}

export const SPILL_BYTES = 64 * 2 ** 20;

/**
 * Collects the archive in Blob parts: chunks accumulate until `spillBytes`, then become one
 * Blob (which copies them out of the JS heap) and the chunks are dropped.
 */
export function blobSink(spillBytes = SPILL_BYTES, type = 'application/zip'): ChunkSink<Blob> {
  let parts: Uint8Array<ArrayBuffer>[] = [];
  let partBytes = 0;
  let blobs: Blob[] = [];
  const spill = () => {
    if (parts.length) blobs.push(new Blob(parts));
    parts = [];
    partBytes = 0;
  };
  return {
    async write(chunk) {
      parts.push(chunk);
      partBytes += chunk.byteLength;
      if (partBytes >= spillBytes) spill();
    },
    async close() {
      spill();
      const zip = new Blob(blobs, { type });
      blobs = [];
      return zip;
    },
    async abort() {
      parts = [];
      blobs = [];
    },
  };
}

/** The little of FileSystemWritableFileStream (or any WritableStream writer) the zip needs. */
export interface WritableLike {
  write(chunk: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

/** Writes the archive through a writable stream, one chunk at a time. */
export function writableSink(stream: WritableLike): ChunkSink<void> {
  return {
    write: (chunk) => stream.write(chunk),
    close: () => stream.close(),
    abort: () => stream.abort(),
  };
}

export interface ZipOutput<R> {
  folder: OutputFolder;
  /** Ends the archive once every file is closed; resolves to the sink's result. */
  finish(): Promise<R>;
  /** Abandons the archive (after a failure or a cancel): the sink drops what it took. */
  abort(): Promise<void>;
}

/** Weights do not compress; JSON and text do. */
function storesOnly(name: string): boolean {
  return /\.(safetensors|bin|gguf|pt)$/i.test(name);
}

/** `prefix` (e.g. "stories260K-compact/") puts every entry in one folder inside the zip. */
export function createZipOutput(prefix?: string): ZipOutput<Blob>;
export function createZipOutput<R>(prefix: string, sink: ChunkSink<R>): ZipOutput<R>;
export function createZipOutput<R>(prefix = '', sink: ChunkSink<R> = blobSink() as ChunkSink<R>): ZipOutput<R> {
  let failure: Error | null = null;
  // Sink writes run one after another in archive order; `written` settles when all so far are done.
  let written: Promise<void> = Promise.resolve();
  let resolveEnd: () => void = () => {};
  const ended = new Promise<void>((res) => (resolveEnd = res));
  const zip = new Zip((err, data, final) => {
    if (err) {
      failure ??= err;
      resolveEnd(); // no final chunk will come
      return;
    }
    written = written.then(() => (failure ? undefined : sink.write(data as Uint8Array<ArrayBuffer>))).catch((e: unknown) => {
      failure ??= e instanceof Error ? e : new Error(String(e));
    });
    if (final) resolveEnd();
  });
  const open = new Set<string>();
  let finished = false;
  let aborted = false;

  const settle = async () => {
    await written;
    if (failure) throw failure;
  };

  const folder: OutputFolder = {
    async create(name: string): Promise<ByteSink> {
      if (finished || aborted) throw new Error(`zip output: cannot create ${name} after the archive ended`);
      const entryName = prefix + name;
      const entry = storesOnly(name) ? new ZipPassThrough(entryName) : new ZipDeflate(entryName, { level: 6 });
      zip.add(entry);
      open.add(entryName);
      let closed = false;
      return {
        async write(chunk: Uint8Array) {
          if (failure) throw failure;
          if (closed) throw new Error(`zip output: ${name} is already closed`);
          // Copy: the caller may reuse its buffer after write() resolves; the sink may keep ours.
          entry.push(chunk.slice(), false);
          await settle();
        },
        async close() {
          if (closed) return;
          closed = true;
          entry.push(new Uint8Array(0), true);
          open.delete(entryName);
          await settle();
        },
      };
    },
  };

  return {
    folder,
    async finish() {
      if (open.size) throw new Error(`zip output: files still open: ${[...open].join(', ')}`);
      finished = true;
      zip.end();
      await ended;
      await settle();
      return sink.close();
    },
    async abort() {
      if (aborted) return;
      aborted = true;
      failure ??= new Error('zip output: aborted');
      await written;
      await sink.abort();
    },
  };
}
