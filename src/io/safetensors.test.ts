import { describe, expect, it } from 'vitest';
import { ModelFileError } from './errors';
import { checkSupportedDtype, readSafetensorsHeader } from './safetensors';
import { memoryFiles, type FileSource } from './source';
import { buildSafetensors, f32File } from './test-helpers';

const source = (name: string, bytes: Uint8Array): FileSource => memoryFiles('mem', { [name]: bytes }).get(name)!;

async function failure(p: Promise<unknown>): Promise<ModelFileError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFileError);
  return err as ModelFileError;
}

describe('readSafetensorsHeader', () => {
  it('parses entries with absolute offsets and metadata', async () => {
    const header = {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] as [number, number] },
      b: { dtype: 'BF16', shape: [4], data_offsets: [24, 32] as [number, number] },
    };
    const bytes = buildSafetensors(header, new Uint8Array(32).map((_, i) => i));
    const headerLen = bytes.length - 8 - 32;
    const { entries, metadata } = await readSafetensorsHeader(source('x.safetensors', bytes));
    expect(metadata).toEqual({ format: 'pt' });
    expect(entries).toEqual([
      { name: 'a', dtype: 'F32', shape: [2, 3], file: 'x.safetensors', begin: 8 + headerLen, end: 8 + headerLen + 24 },
      { name: 'b', dtype: 'BF16', shape: [4], file: 'x.safetensors', begin: 8 + headerLen + 24, end: 8 + headerLen + 32 },
    ]);
    expect(bytes[entries[1].begin]).toBe(24);
  });

  it('rejects a file shorter than the length prefix', async () => {
    const err = await failure(readSafetensorsHeader(source('tiny.safetensors', new Uint8Array(5))));
    expect(err.file).toBe('tiny.safetensors');
    expect(err.message).toMatch(/truncated/);
  });

  it('rejects a header length past the end of the file', async () => {
    const bytes = f32File({ w: [4] });
    new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length), true);
    const err = await failure(readSafetensorsHeader(source('long.safetensors', bytes)));
    expect(err.message).toMatch(/long\.safetensors: header claims .* truncated/);
  });

  it('rejects an implausible header length', async () => {
    const bytes = f32File({ w: [4] });
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    const err = await failure(readSafetensorsHeader(source('huge.safetensors', bytes)));
    expect(err.message).toMatch(/implausible/);
  });

  it('rejects a header that is not JSON', async () => {
    const bytes = buildSafetensors({}, new Uint8Array(0), '{"w": {"dtype": "F32",');
    const err = await failure(readSafetensorsHeader(source('bad.safetensors', bytes)));
    expect(err.message).toMatch(/bad\.safetensors: header is not valid JSON/);
  });

  it('rejects a header that is JSON but not an object', async () => {
    const err = await failure(readSafetensorsHeader(source('arr.safetensors', buildSafetensors({}, new Uint8Array(0), '[1,2]'))));
    expect(err.message).toMatch(/not a JSON object/);
  });

  it('rejects a truncated shard, naming the tensor cut off', async () => {
    const whole = f32File({ a: [8], b: [8] });
    const err = await failure(readSafetensorsHeader(source('model-00001-of-00002.safetensors', whole.subarray(0, whole.length - 3))));
    expect(err.file).toBe('model-00001-of-00002.safetensors');
    expect(err.message).toMatch(/"b" ends at byte .*truncated: download the shard again/);
  });

  it('rejects overlapping spans', async () => {
    const header = {
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] as [number, number] },
      b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] as [number, number] },
    };
    const err = await failure(readSafetensorsHeader(source('o.safetensors', buildSafetensors(header, new Uint8Array(24)))));
    expect(err.message).toMatch(/"a" .* and "b" .* overlap/);
  });

  it('rejects a shape that does not match the byte span', async () => {
    const header = { w: { dtype: 'BF16', shape: [3, 3], data_offsets: [0, 16] as [number, number] } };
    const err = await failure(readSafetensorsHeader(source('s.safetensors', buildSafetensors(header, new Uint8Array(16)))));
    expect(err.message).toMatch(/tensor "w": shape \[3, 3\] of BF16 needs 18 bytes but data_offsets span 16/);
  });

  it('rejects unknown dtypes and malformed entries', async () => {
    const unknown = { w: { dtype: 'Q4_K', shape: [2], data_offsets: [0, 2] as [number, number] } };
    expect((await failure(readSafetensorsHeader(source('u.safetensors', buildSafetensors(unknown, new Uint8Array(2)))))).message).toMatch(/unknown dtype "Q4_K"/);
    const badShape = { w: { dtype: 'U8', shape: [-1], data_offsets: [0, 2] as [number, number] } };
    expect((await failure(readSafetensorsHeader(source('u.safetensors', buildSafetensors(badShape, new Uint8Array(2)))))).message).toMatch(/shape \[-1\]/);
  });

  it('parses any known dtype, but checkSupportedDtype refuses I8 naming the tensor', async () => {
    const header = { 'model.layers.0.mlp.up_proj.weight': { dtype: 'I8', shape: [2, 2], data_offsets: [0, 4] as [number, number] } };
    const { entries } = await readSafetensorsHeader(source('q.safetensors', buildSafetensors(header, new Uint8Array(4))));
    expect(entries[0].dtype).toBe('I8');
    let err: unknown;
    try {
      checkSupportedDtype(entries[0]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/q\.safetensors: tensor "model\.layers\.0\.mlp\.up_proj\.weight" is stored as I8/);
    for (const dtype of ['F32', 'F16', 'BF16'] as const) expect(() => checkSupportedDtype({ ...entries[0], dtype })).not.toThrow();
  });

  it('refuses a header length of N-1 ... N-7 (padding dropped): the tensors must cover the data exactly', async () => {
    // what our writer and the safetensors library write: JSON padded with spaces to a multiple of 8
    const json = new TextEncoder().encode(JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }));
    const N = Math.ceil((json.length + 7) / 8) * 8; // at least 7 spaces of padding
    const pad = N - json.length;
    const file = new Uint8Array(8 + N + 12).fill(0x20, 8, 8 + N);
    file.set(json, 8);
    new DataView(file.buffer).setBigUint64(0, BigInt(N), true);
    await expect(readSafetensorsHeader(source('ok.safetensors', file))).resolves.toBeDefined();
    expect(pad).toBeGreaterThanOrEqual(7);
    for (let k = 1; k <= 7; k++) {
      new DataView(file.buffer).setBigUint64(0, BigInt(N - k), true);
      const err = await failure(readSafetensorsHeader(source('short.safetensors', file)));
      expect(err.message).toMatch(new RegExp(`short\\.safetensors: the tensors cover 12 data bytes but the file holds ${12 + k} after the header`));
      if (k === 1) console.log(err.message);
    }
  });

  it('refuses holes between tensors, a first tensor not at 0, and trailing bytes', async () => {
    const gap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] as [number, number] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] as [number, number] } };
    expect((await failure(readSafetensorsHeader(source('g.safetensors', buildSafetensors(gap, new Uint8Array(12)))))).message).toMatch(/tensor "b" starts at data byte 8 but "a" ends at 4/);
    const late = { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] as [number, number] } };
    expect((await failure(readSafetensorsHeader(source('l.safetensors', buildSafetensors(late, new Uint8Array(8)))))).message).toMatch(/tensor "a" starts at data byte 4 but the data starts at 0/);
    const trailing = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] as [number, number] } };
    expect((await failure(readSafetensorsHeader(source('t.safetensors', buildSafetensors(trailing, new Uint8Array(5)))))).message).toMatch(/cover 4 data bytes but the file holds 5/);
    // zero-size tensors may sit anywhere on the chain
    const empty = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] as [number, number] }, z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] as [number, number] } };
    await expect(readSafetensorsHeader(source('z.safetensors', buildSafetensors(empty, new Uint8Array(4))))).resolves.toBeDefined();
  });

  it('refuses a tensor listed twice in one header (JSON.parse would keep the last silently)', async () => {
    const text = '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}';
    const err = await failure(readSafetensorsHeader(source('d.safetensors', buildSafetensors({}, new Uint8Array(8), text))));
    expect(err.message).toMatch(/d\.safetensors: the key "w" appears twice/);
  });

  it('a shape nested 10,000 deep is a clear error, not a stack overflow', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const text = `{"w": {"dtype": "F32", "shape": ${deep}, "data_offsets": [0, 4]}}`;
    const err = await failure(readSafetensorsHeader(source('n.safetensors', buildSafetensors({}, new Uint8Array(4), text))));
    expect(err.message).toMatch(/n\.safetensors: .*nests deeper than/);
    const wide = `{"w": {"dtype": "F32", "shape": [[1], [2]], "data_offsets": [0, 4]}}`;
    const err2 = await failure(readSafetensorsHeader(source('w.safetensors', buildSafetensors({}, new Uint8Array(4), wide))));
    expect(err2.message).toMatch(/shape \[\[\.\.\.\], \[\.\.\.\]\] is not a list of non-negative integers/);
  });
});
