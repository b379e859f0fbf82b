import { describe, expect, it } from 'vitest';
import { unzipSync, strFromU8 } from 'fflate';
import { createZipOutput } from './zip-output';

describe('createZipOutput', () => {
  it('writes stored and deflated entries, chunk by chunk, under a prefix', async () => {
    const out = createZipOutput('m/');
    const weights = out.folder.create('model.safetensors');
    const config = await out.folder.create('config.json');
    const w = await weights;
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 255);
    const buf = new Uint8Array(10_000);
    for (let s = 0; s < bytes.length; s += buf.length) {
      buf.set(bytes.subarray(s, s + buf.length));
      await w.write(buf.subarray(0, Math.min(buf.length, bytes.length - s))); // buffer reused on purpose
    }
    await config.write(new TextEncoder().encode('{"vocab_size": 400}'));
    await config.close();
    await w.close();
    const zip = await out.finish();
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['m/config.json', 'm/model.safetensors']);
    expect(strFromU8(files['m/config.json'])).toBe('{"vocab_size": 400}');
    expect(files['m/model.safetensors']).toEqual(bytes);
  });

  it('refuses to finish while a file is open', async () => {
    const out = createZipOutput();
    await out.folder.create('a.json');
    await expect(out.finish()).rejects.toThrow(/still open: a.json/);
  });
});

// Live bytes of the chunks a sink was given, seen through WeakRefs after a full GC: what the
// JS heap still holds of the archive (Blob data lives outside it).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { blobSink, writableSink, type ChunkSink } from './zip-output';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function watched<R>(sink: ChunkSink<R>) {
  const refs: { ref: WeakRef<Uint8Array>; bytes: number }[] = [];
  return {
    sink: { ...sink, write: (c: Uint8Array<ArrayBuffer>) => (refs.push({ ref: new WeakRef(c), bytes: c.byteLength }), sink.write(c)) } as ChunkSink<R>,
    async liveBytes() {
      // WeakRef targets stay alive until the current job ends: yield to a new task first
      await new Promise((r) => setTimeout(r, 0));
      gc();
      return refs.reduce((n, r) => n + (r.ref.deref() ? r.bytes : 0), 0);
    },
  };
}

describe('zip spilling (bounded JS heap)', () => {
  it('keeps at most one spill of chunks alive, and the archive is whole', async () => {
    const MiB = 2 ** 20;
    const spill = 2 * MiB;
    const w = watched(blobSink(spill));
    const out = createZipOutput('m/', w.sink);
    const file = await out.folder.create('model.safetensors');
    const chunk = new Uint8Array(256 * 1024);
    const total = 24 * MiB;
    let maxLive = 0;
    for (let s = 0; s < total; s += chunk.length) {
      chunk.fill((s / chunk.length) & 255);
      await file.write(chunk);
      maxLive = Math.max(maxLive, await w.liveBytes());
    }
    await file.close();
    const zip = await out.finish();
    const after = await w.liveBytes();
    console.log(`zip spill: ${total / MiB} MiB written, max live chunk bytes ${(maxLive / MiB).toFixed(2)} MiB (spill every ${spill / MiB} MiB), ${after} after finish`);
    // one spill's worth plus the chunk in hand (and zip headers), never the whole archive;
    // and the measure does see chunks waiting for a spill
    expect(maxLive).toBeLessThanOrEqual(spill + chunk.length + 4096);
    expect(maxLive).toBeGreaterThanOrEqual(spill - chunk.length);
    expect(after).toBe(0);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const got = files['m/model.safetensors'];
    expect(got.length).toBe(total);
    for (let s = 0; s < total; s += chunk.length) expect(got[s], `chunk at ${s}`).toBe((s / chunk.length) & 255);
  });

  it('the spilling sink drops everything on abort', async () => {
    const w = watched(blobSink(1 << 30));
    const out = createZipOutput('', w.sink);
    const file = await out.folder.create('a.safetensors');
    await file.write(new Uint8Array(1 << 20));
    expect(await w.liveBytes()).toBeGreaterThanOrEqual(1 << 20); // held until a spill: the check can see it
    await out.abort();
    expect(await w.liveBytes()).toBe(0);
  });
});

describe('zip into a writable stream', () => {
  function fakeWritable(failAt = Infinity) {
    const log: string[] = [];
    const chunks: Uint8Array[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    return {
      log, chunks,
      maxInFlight: () => maxInFlight,
      stream: {
        async write(c: Uint8Array<ArrayBuffer>) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          if (chunks.length >= failAt) throw new Error('disk full');
          chunks.push(c);
        },
        async close() { log.push('close'); },
        async abort() { log.push('abort'); },
      },
    };
  }

  it('writes the archive in order, one chunk at a time, and write() waits for the stream', async () => {
    const f = fakeWritable();
    const out = createZipOutput('m/', writableSink(f.stream));
    const file = await out.folder.create('model.safetensors');
    const bytes = new Uint8Array(50_000).map((_, i) => (i * 7) & 255);
    for (let s = 0; s < bytes.length; s += 10_000) {
      await file.write(bytes.subarray(s, s + 10_000));
      expect(f.maxInFlight()).toBe(1);
    }
    await file.close();
    await out.finish();
    expect(f.log).toEqual(['close']);
    const whole = new Uint8Array(f.chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of f.chunks) whole.set(c, (o += c.length) - c.length);
    expect(unzipSync(whole)['m/model.safetensors']).toEqual(bytes);
  });

  it('a failing stream fails the next write, and abort() aborts the stream', async () => {
    const f = fakeWritable(1);
    const out = createZipOutput('', writableSink(f.stream));
    const file = await out.folder.create('model.safetensors');
    await expect((async () => { for (let i = 0; i < 10; i++) await file.write(new Uint8Array(1000)); })()).rejects.toThrow('disk full');
    await out.abort();
    expect(f.log).toEqual(['abort']);
  });
});
