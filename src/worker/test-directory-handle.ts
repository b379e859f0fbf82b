// An in-memory FileSystemDirectoryHandle for Node tests: the subset the exporter uses, with the
// errors Chromium throws (NotFoundError, TypeMismatchError, InvalidModificationError), writables
// that only land on close (as the browser's swap files do), and a hook to fail a write.

export class FakeFile {
  readonly kind = 'file';
  data = new Uint8Array(0);
  /** writables opened and not yet closed or aborted. */
  open = 0;
  constructor(readonly name: string, private readonly hooks: FakeHooks) {}

  async createWritable() {
    const chunks: Uint8Array[] = [];
    let done = false;
    this.open++;
    return {
      write: async (chunk: Uint8Array) => {
        this.hooks.beforeWrite?.(this.name);
        chunks.push(chunk.slice());
      },
      close: async () => {
        if (done) return;
        done = true;
        this.open--;
        const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
        let o = 0;
        for (const c of chunks) (all.set(c, o), (o += c.length));
        this.data = all;
      },
      abort: async () => {
        if (done) return;
        done = true;
        this.open--;
      },
    };
  }
}

export interface FakeHooks {
  /** throw from here to make a write fail. */
  beforeWrite?: (fileName: string) => void;
}

export class FakeDirectory {
  readonly kind = 'directory';
  readonly entries = new Map<string, FakeDirectory | FakeFile>();
  constructor(readonly name: string, readonly hooks: FakeHooks = {}) {}

  async getDirectoryHandle(name: string, opts: { create?: boolean } = {}): Promise<FakeDirectory> {
    const e = this.entries.get(name);
    if (e instanceof FakeDirectory) return e;
    if (e) throw new DOMException(`${name} is a file`, 'TypeMismatchError');
    if (!opts.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    const dir = new FakeDirectory(name, this.hooks);
    this.entries.set(name, dir);
    return dir;
  }

  async getFileHandle(name: string, opts: { create?: boolean } = {}): Promise<FakeFile> {
    const e = this.entries.get(name);
    if (e instanceof FakeFile) return e;
    if (e) throw new DOMException(`${name} is a folder`, 'TypeMismatchError');
    if (!opts.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    const file = new FakeFile(name, this.hooks);
    this.entries.set(name, file);
    return file;
  }

  async removeEntry(name: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw new DOMException(`${name} not found`, 'NotFoundError');
    if (e instanceof FakeDirectory && e.entries.size > 0 && !opts.recursive) throw new DOMException(`${name} is not empty`, 'InvalidModificationError');
    if (openWritables(e) > 0) throw new DOMException(`${name} has an open writable`, 'NoModificationAllowedError');
    this.entries.delete(name);
  }

  /** name -> text of every file below, for assertions. */
  tree(prefix = ''): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, e] of this.entries) {
      if (e instanceof FakeDirectory) Object.assign(out, e.tree(`${prefix}${name}/`));
      else out[`${prefix}${name}`] = new TextDecoder().decode(e.data);
    }
    return out;
  }

  asHandle(): FileSystemDirectoryHandle {
    return this as unknown as FileSystemDirectoryHandle;
  }
}

function openWritables(e: FakeDirectory | FakeFile): number {
  if (e instanceof FakeFile) return e.open;
  let n = 0;
  for (const c of e.entries.values()) n += openWritables(c);
  return n;
}
