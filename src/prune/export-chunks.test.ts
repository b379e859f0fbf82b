// Export in bounded chunks: every tensor is read and written in row ranges of at most a chunk
// (a 70B model's embedding is larger than one 2 GiB read), and the bytes are identical to gathering
// each whole tensor at once (the reference below is the plain whole-tensor gather, written here).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from '../io/checkpoint';
import { openNodeFolder } from '../io/node-files';
import type { TensorEntry } from '../io/safetensors';
import type { FileSource, ModelFiles, OutputFolder } from '../io/source';
import { parseModelSpec } from '../model/spec';
import { weightTable } from '../model/weights';
import { exportPrunedFolder, gatherColBytes } from './export';
import type { PruneSelection } from './pruned-model';
import { readFileSync } from 'node:fs';

const GOLDENS = path.resolve(import.meta.dirname, '../../fixtures/goldens');
type Json = Record<string, unknown>;

/** Records the largest single read of every file. */
function instrumented(files: ModelFiles): { files: ModelFiles; maxRead: () => number; reset: () => void } {
  let max = 0;
  const wrap = (src: FileSource): FileSource => ({
    name: src.name,
    size: src.size,
    readsInto: src.readsInto,
    read: async (s, e, into) => {
      max = Math.max(max, e - s);
      return src.read(s, e, into);
    },
  });
  return {
    files: { label: files.label, names: () => files.names(), get: (n) => (files.get(n) ? wrap(files.get(n)!) : undefined) },
    maxRead: () => max,
    reset: () => void (max = 0),
  };
}

function memoryOut() {
  const files = new Map<string, Uint8Array>();
  let maxChunk = 0;
  const out: OutputFolder = {
    async create(name) {
      const chunks: Uint8Array[] = [];
      return {
        write: async (c) => {
          // tensor data only: not a safetensors file's header (its first write) nor the JSON files
          if (name.endsWith('.safetensors') && chunks.length > 0) maxChunk = Math.max(maxChunk, c.length);
          chunks.push(c.slice());
        },
        close: async () => void files.set(name, Buffer.concat(chunks)),
      };
    },
  };
  return { out, files, maxChunk: () => maxChunk };
}

/** Reference: the exported tensor from the whole source tensor, element by element. */
function referenceTensor(src: Uint8Array, e: TensorEntry, axis: string | null, kept: Uint32Array | null, elem: number): Uint8Array {
  if (!axis || !kept) return src;
  const [R] = e.shape;
  const C = e.shape.slice(1).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  if (axis === 'ffnCols') {
    for (let r = 0; r < R; r++) for (const c of kept) for (let b = 0; b < elem; b++) out.push(src[(r * C + c) * elem + b]);
  } else {
    for (const r of kept) for (let c = 0; c < C * elem; c++) out.push(src[r * C * elem + c]);
  }
  return Uint8Array.from(out);
}

const tokenizer = (V: number) => ({
  model: { type: 'WordLevel', vocab: Object.fromEntries(Array.from({ length: V }, (_, i) => [`t${i}`, i])), unk_token: 't0' },
  added_tokens: [{ id: 0, content: 't0', special: true }],
});

describe('export in bounded chunks', () => {
  for (const [name, chunkBytes] of [['qwen2-bf16', 1000], ['llama-bias-sharded', 700], ['gemma3-text', 64 << 20]] as const) {
    it(`${name}: bytes identical to whole-tensor gathers; no read or write larger than the chunk (${chunkBytes} B)`, async () => {
      const dir = path.join(GOLDENS, name);
      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Json;
      const spec = parseModelSpec(config);
      const plain = await openNodeFolder(dir);
      const { files, maxRead, reset } = instrumented(plain);
      const ckpt = await openCheckpoint(files);
      reset(); // headers are read whole (they are small); from here on only tensor data is read
      // sparse, irregular selections: first/last rows, gaps of every size
      const keptVocab = Uint32Array.from({ length: spec.vocabSize }, (_, i) => i).filter((i) => i < 3 || i === spec.vocabSize - 1 || (i * 7) % 5 < 2); // 0-2: special in these configs
      const keptFfn = Array.from({ length: spec.layers }, (_, l) => Uint32Array.from({ length: spec.intermediate }, (_, i) => i).filter((i) => (i + l) % 3 !== 1 || i === spec.intermediate - 1));
      const sel: PruneSelection = { keptVocab, keptFfn };
      const { out, files: written, maxChunk } = memoryOut();
      await exportPrunedFolder({ spec, ckpt, files, config, tokenizerJson: tokenizer(spec.vocabSize) }, sel, out, { chunkBytes });

      const { memoryFiles } = await import('../io/source');
      const after = await openCheckpoint(memoryFiles('out', Object.fromEntries(written)));
      const refs = new Map(weightTable(spec, new Set(ckpt.entries.keys())).map((r) => [r.name, r]));
      const src = await openCheckpoint(plain);
      let compared = 0;
      for (const [tname, e] of src.entries) {
        const ref = refs.get(tname);
        const kept = ref?.prune === 'vocabRows' ? keptVocab : ref?.prune ? keptFfn[ref.layer!] : null;
        const elem = (e.end - e.begin) / e.shape.reduce((a, b) => a * b, 1);
        const expected = referenceTensor(await src.readTensorBytes(tname), e, ref?.prune ?? null, kept, elem);
        const got = await after.readTensorBytes(tname);
        expect(Buffer.compare(Buffer.from(got), Buffer.from(expected)), tname).toBe(0);
        compared++;
      }
      expect(compared).toBe(src.entries.size);
      // bounded: one row may exceed a tiny chunk; nothing is read or written whole beyond that
      const widestRow = Math.max(...[...src.entries.values()].map((e) => (e.end - e.begin) / Math.max(1, e.shape[0])));
      const largest = Math.max(...[...src.entries.values()].map((e) => e.end - e.begin));
      const bound = Math.max(chunkBytes, widestRow);
      console.log(`${name}: largest tensor ${largest} B, max read ${maxRead()} B, max write ${maxChunk()} B, bound ${bound} B`);
      if (chunkBytes < largest) expect(largest).toBeGreaterThan(bound); // the bound is a real constraint here
      expect(maxRead()).toBeLessThanOrEqual(bound);
      expect(maxChunk()).toBeLessThanOrEqual(bound);
      expect(maxRead()).toBeGreaterThan(0);
    });
  }

  it('gatherColBytes on 1, 2, 4 and 8-byte elements equals the element-wise gather, aligned or not', () => {
    for (const elem of [1, 2, 4, 8]) {
      const R = 5;
      const C = 9;
      const backing = new Uint8Array(R * C * elem + 1).map((_, i) => (i * 37 + 11) & 0xff);
      for (const offset of [0, 1]) {
        const src = backing.subarray(offset, offset + R * C * elem);
        const idx = Uint32Array.from([0, 3, 4, 8]);
        const expected: number[] = [];
        for (let r = 0; r < R; r++) for (const c of idx) for (let b = 0; b < elem; b++) expected.push(src[(r * C + c) * elem + b]);
        expect([...gatherColBytes(src, R, C, elem, idx)], `elem ${elem} offset ${offset}`).toEqual(expected);
      }
    }
  });
});
