import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from './checkpoint';
import { openNodeFolder } from './node-files';
import { nodeOutputFolder } from './node-output';
import { readSafetensorsHeader } from './safetensors';
import { encodeHeader, wholeTensor, writeSafetensors, type TensorToWrite } from './safetensors-writer';
import { memoryFiles, type OutputFolder } from './source';
import { GOLDENS } from '../testing/fixtures';


/** An OutputFolder collecting files in memory. */
function memoryOutput(): { out: OutputFolder; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const out: OutputFolder = {
    async create(name) {
      const chunks: Uint8Array[] = [];
      return {
        write: async (c) => void chunks.push(c.slice()),
        close: async () => {
          const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let o = 0;
          for (const c of chunks) (all.set(c, o), (o += c.length));
          files.set(name, all);
        },
      };
    },
  };
  return { out, files };
}

function randomTensor(name: string, dtype: 'F32' | 'BF16' | 'F16', shape: number[], seed: number): TensorToWrite & { data: Uint8Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(n * (dtype === 'F32' ? 4 : 2));
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { name, dtype, shape, byteLength: data.length, chunks: wholeTensor(async () => data), data };
}

describe('writeSafetensors', () => {
  it('writes one aligned file that reads back bit-identical', async () => {
    const tensors = [randomTensor('emb', 'BF16', [7, 3], 1), randomTensor('w', 'F32', [5], 2), randomTensor('odd', 'F16', [3], 3)];
    const { out, files } = memoryOutput();
    const progress: number[] = [];
    const result = await writeSafetensors(out, tensors, { onProgress: (done, total) => progress.push(done / total) });
    expect(result.files).toEqual(['model.safetensors']);
    expect(progress.at(-1)).toBe(1);
    const file = files.get('model.safetensors')!;
    const headerLen = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const { entries, metadata } = await readSafetensorsHeader(memoryFiles('m', { 'model.safetensors': file }).get('model.safetensors')!);
    expect(metadata).toEqual({ format: 'pt' });
    const ckpt = await openCheckpoint(memoryFiles('m', { 'model.safetensors': file }));
    for (const t of tensors) {
      expect(entries.find((e) => e.name === t.name)).toMatchObject({ dtype: t.dtype, shape: t.shape });
      expect(await ckpt.readTensorBytes(t.name)).toEqual(t.data);
    }
  });

  it('splits into HF-style shards with an index when over maxShardBytes', async () => {
    const tensors = [randomTensor('a', 'F32', [10], 1), randomTensor('b', 'F32', [10], 2), randomTensor('c', 'F32', [30], 3), randomTensor('d', 'F32', [2], 4)];
    const { out, files } = memoryOutput();
    const result = await writeSafetensors(out, tensors, { maxShardBytes: 100 });
    // a+b = 80 bytes; c (120) alone exceeds the limit and gets its own shard; d follows.
    expect(result.files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json']);
    const index = JSON.parse(new TextDecoder().decode(files.get('model.safetensors.index.json')!));
    expect(index.metadata.total_size).toBe(4 * 52);
    expect(index.weight_map).toEqual({ a: 'model-00001-of-00003.safetensors', b: 'model-00001-of-00003.safetensors', c: 'model-00002-of-00003.safetensors', d: 'model-00003-of-00003.safetensors' });
    const ckpt = await openCheckpoint(memoryFiles('m', Object.fromEntries(files)));
    for (const t of tensors) expect(await ckpt.readTensorBytes(t.name)).toEqual(t.data);
  });

  it('fetches tensors in order, at most one ahead of the write', async () => {
    const log: string[] = [];
    const tensors = ['x', 'y', 'z'].map((name, i) => {
      const t = randomTensor(name, 'F32', [4], i);
      return { ...t, chunks: wholeTensor(async () => (log.push(`get ${name}`), t.data)) };
    });
    const { out } = memoryOutput();
    await writeSafetensors(out, tensors, { onProgress: (d) => log.push(`done ${d}`) });
    expect(log).toEqual(['get x', 'get y', 'done 16', 'get z', 'done 32', 'done 48']);
  });

  it('refuses a byteLength that does not match the shape, and bytes of the wrong length', async () => {
    const { out } = memoryOutput();
    await expect(writeSafetensors(out, [{ ...randomTensor('w', 'F32', [4], 1), byteLength: 12 }], {})).rejects.toThrow(/needs 16 bytes/);
    const short = { ...randomTensor('w', 'F32', [4], 1), chunks: wholeTensor(async () => new Uint8Array(8)) };
    await expect(writeSafetensors(out, [short], {})).rejects.toThrow(/produced 8 bytes, expected 16/);
    const long = { ...randomTensor('w', 'F32', [4], 1), chunks: async function* () { yield new Uint8Array(12); yield new Uint8Array(12); } };
    await expect(writeSafetensors(out, [long], {})).rejects.toThrow(/produced 24 bytes, expected 16/);
  });

  it('writes a tensor from many chunks, reporting progress per chunk', async () => {
    const t = randomTensor('w', 'BF16', [6, 5], 9);
    const chunked = { ...t, chunks: async function* () { for (let r = 0; r < 6; r++) yield t.data.subarray(r * 10, (r + 1) * 10); } };
    const { out, files } = memoryOutput();
    const progress: number[] = [];
    await writeSafetensors(out, [chunked], { onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([10, 20, 30, 40, 50, 60]);
    expect(await (await openCheckpoint(memoryFiles('m', Object.fromEntries(files)))).readTensorBytes('w')).toEqual(t.data);
  });

  it('header padding keeps the JSON parseable', () => {
    const h = encodeHeader([randomTensor('w', 'F32', [1], 1)]);
    const len = Number(new DataView(h.buffer).getBigUint64(0, true));
    expect(h.length).toBe(8 + len);
    expect(JSON.parse(new TextDecoder().decode(h.subarray(8)))).toMatchObject({ __metadata__: { format: 'pt' }, w: { data_offsets: [0, 4] } });
  });

  it('round-trips a BF16 checkpoint saved by transformers (goldens/qwen2-bf16) through a Node folder into shards, bit-identical', async () => {
    const src = await openCheckpoint(await openNodeFolder(path.join(GOLDENS, 'qwen2-bf16')));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-writer-'));
    try {
      const tensors: TensorToWrite[] = [...src.entries.values()].map((e) => ({
        name: e.name,
        dtype: e.dtype,
        shape: e.shape,
        byteLength: e.end - e.begin,
        chunks: wholeTensor(() => src.readTensorBytes(e.name)),
      }));
      const { files } = await writeSafetensors(await nodeOutputFolder(path.join(dir, 'out')), tensors, { maxShardBytes: 40_000 });
      expect(files.length).toBeGreaterThan(3); // 159 KB of tensors in shards of <= 40 KB, + the index
      expect(files.at(-1)).toBe('model.safetensors.index.json');
      const back = await openCheckpoint(await openNodeFolder(path.join(dir, 'out')));
      expect(back.totalBytes).toBe(src.totalBytes);
      for (const e of src.entries.values()) {
        expect(back.entries.get(e.name)).toMatchObject({ dtype: e.dtype, shape: e.shape });
        expect(Buffer.compare(Buffer.from(await back.readTensorBytes(e.name)), Buffer.from(await src.readTensorBytes(e.name)))).toBe(0);
      }
      const index = JSON.parse(await readFile(path.join(dir, 'out/model.safetensors.index.json'), 'utf8'));
      expect(index.metadata.total_size).toBe(src.totalBytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeSafetensors write sizes', () => {
  it('gathers small tensors into few writes and passes big chunks through, bytes unchanged', async () => {
    const writes: number[] = [];
    const { out, files } = memoryOutput();
    const counted: OutputFolder = {
      async create(name) {
        const sink = await out.create(name);
        return { write: async (c) => (writes.push(c.length), sink.write(c)), close: () => sink.close() };
      },
    };
    const small = Array.from({ length: 200 }, (_, i) => randomTensor(`norm.${i}`, 'BF16', [896], i + 1));
    const big = randomTensor('big', 'F32', [1024, 1536], 999); // 6 MiB: at or above the coalescing size
    await writeSafetensors(counted, [...small, big, ...small.map((t) => ({ ...t, name: `${t.name}.b` }))]);
    expect(writes.length).toBeLessThanOrEqual(4); // header + 200 small, the big one, 200 small
    expect(writes).toContain(big.byteLength);
    const file = files.get('model.safetensors')!;
    const { entries } = await readSafetensorsHeader(memoryFiles('m', { 'model.safetensors': file }).get('model.safetensors')!);
    for (const t of [...small, big]) {
      const e = entries.find((x) => x.name === t.name)!;
      expect(file.subarray(e.begin, e.end)).toEqual(t.data);
    }
  });
});
