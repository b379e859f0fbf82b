// File access that works the same in the browser (File / FileSystemFileHandle)
// and in Node (fs): a model folder is a set of named, randomly readable files.

export interface FileSource {
  /** Path relative to the model folder, '/'-separated (e.g. "model-00001-of-00002.safetensors"). */
  readonly name: string;
  readonly size: number;
  /** Bytes [start, end) of the file. Never reads more than asked. */
  read(start: number, end: number): Promise<Uint8Array>;
}

export interface ModelFiles {
  /** A label for messages (folder path or dropped folder name). */
  readonly label: string;
  names(): string[];
  get(name: string): FileSource | undefined;
}

/** Where exported files go: browser directory handle, zip stream, or Node folder. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
export interface OutputFolder {
  create(name: string): Promise<ByteSink>;
}

export async function readText(src: FileSource): Promise<string> {
  return new TextDecoder().decode(await src.read(0, src.size));
}

export function memoryFiles(label: string, files: Record<string, Uint8Array | string>): ModelFiles {
  const map = new Map<string, FileSource>();
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    map.set(name, { name, size: bytes.length, read: async (s, e) => bytes.slice(s, e) });
  }
  return { label, names: () => [...map.keys()], get: (n) => map.get(n) };
}
