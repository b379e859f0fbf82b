// File access that works the same in the browser (File / FileSystemFileHandle)
// and in Node (fs): a model folder is a set of named, randomly readable files.
import { ModelFileError } from './errors';

export interface FileSource {
  /** Path relative to the model folder, '/'-separated (e.g. "model-00001-of-00002.safetensors"). */
  readonly name: string;
  readonly size: number;
  /**
   * Bytes [start, end) of the file. Never reads more than asked. With `into` (at least end - start
   * bytes) a source may read into it and return a view of it: a reused buffer skips the page
   * faults of fresh memory (0.5 against 2-3 GB/s from the page cache). Use the returned bytes.
   */
  read(start: number, end: number, into?: Uint8Array): Promise<Uint8Array>;
  /** true where read() fills `into` (Node's files); others ignore it, so callers need not keep buffers for it */
  readonly readsInto?: boolean;
}

export interface ModelFiles {
  /** A label for messages (folder path or dropped folder name). */
  readonly label: string;
  names(): string[];
  get(name: string): FileSource | undefined;
  /** Entries the reader left out on purpose (e.g. a symlink out of the folder), with the reason. */
  readonly skipped?: readonly SkippedFile[];
}

export interface SkippedFile {
  name: string;
  /** e.g. "a symbolic link to /etc/passwd, outside the model folder: not read" */
  reason: string;
}

/** Where exported files go: browser directory handle, zip stream, or Node folder. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
export interface OutputFolder {
  create(name: string): Promise<ByteSink>;
}

/** The file as UTF-8 text; invalid UTF-8 is an error (a lenient decode would change the content silently). */
export async function readText(src: FileSource): Promise<string> {
  const bytes = await src.read(0, src.size);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ModelFileError(src.name, 'is not valid UTF-8 text', `Download ${src.name} again (or save it as UTF-8)`);
  }
}

export function memoryFiles(label: string, files: Record<string, Uint8Array | string>): ModelFiles {
  const map = new Map<string, FileSource>();
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    map.set(name, { name, size: bytes.length, read: async (s, e) => bytes.slice(s, e) });
  }
  return { label, names: () => [...map.keys()], get: (n) => map.get(n) };
}
