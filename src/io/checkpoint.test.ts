import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from './checkpoint';
import { ModelFileError } from './errors';
import { openNodeFolder } from './node-files';
import { memoryFiles } from './source';
import { f32File } from './test-helpers';
import { GOLDENS, STORIES260K } from '../testing/fixtures';
import { writeRandomModel } from '../testing/random-model';


async function failure(p: Promise<unknown>): Promise<ModelFileError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFileError);
  return err as ModelFileError;
}

function shardedFolder(overrides: Record<string, Uint8Array | string | undefined> = {}) {
  const files: Record<string, Uint8Array | string | undefined> = {
    'model-00001-of-00002.safetensors': f32File({ a: [2, 2], b: [3] }),
    'model-00002-of-00002.safetensors': f32File({ c: [5] }),
    'model.safetensors.index.json': JSON.stringify({
      metadata: { total_size: 48 },
      weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' },
    }),
    ...overrides,
  };
  return memoryFiles('mem-model', Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) as Record<string, Uint8Array | string>);
}

describe('openCheckpoint', () => {
  it('opens a sharded checkpoint and reads tensors from their shard', async () => {
    const ckpt = await openCheckpoint(shardedFolder());
    expect(ckpt.shardNames).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect([...ckpt.entries.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(ckpt.totalBytes).toBe(48);
    expect(Array.from(new Float32Array((await ckpt.readTensorBytes('b')).slice().buffer))).toEqual([2, 2.5, 3]);
    expect(Array.from(new Float32Array((await ckpt.readTensorBytes('c')).slice().buffer))).toEqual([0, 0.5, 1, 1.5, 2]);
    await expect(ckpt.readTensorBytes('nope')).rejects.toThrow(ModelFileError);
  });

  it('reports a missing shard by name', async () => {
    const err = await failure(openCheckpoint(shardedFolder({ 'model-00002-of-00002.safetensors': undefined })));
    expect(err.file).toBe('model-00002-of-00002.safetensors');
    expect(err.message).toMatch(/missing shard/);
  });

  it('reports an index entry absent from its shard', async () => {
    const index = JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors', d: 'model-00002-of-00002.safetensors' } });
    const err = await failure(openCheckpoint(shardedFolder({ 'model.safetensors.index.json': index })));
    expect(err.file).toBe('model.safetensors.index.json');
    expect(err.message).toMatch(/missing index entry: the index maps "d" to model-00002-of-00002\.safetensors/);
  });

  it('rejects a tensor stored in two shards', async () => {
    const err = await failure(openCheckpoint(shardedFolder({ 'model-00002-of-00002.safetensors': f32File({ c: [5], a: [2, 2] }) })));
    expect(err.message).toMatch(/model-00002-of-00002\.safetensors: tensor "a" is also stored in model-00001-of-00002\.safetensors/);
  });

  it('names the truncated shard', async () => {
    const whole = f32File({ c: [5] });
    const err = await failure(openCheckpoint(shardedFolder({ 'model-00002-of-00002.safetensors': whole.subarray(0, whole.length - 4) })));
    expect(err.file).toBe('model-00002-of-00002.safetensors');
  });

  it('explains what to add when there are no safetensors', async () => {
    const err = await failure(openCheckpoint(memoryFiles('empty-model', { 'config.json': '{}', 'pytorch_model.bin': new Uint8Array(4) })));
    expect(err.message).toMatch(/empty-model: no model\.safetensors .*pytorch_model\.bin/);
  });

  it('reports a broken index file', async () => {
    const err = await failure(openCheckpoint(shardedFolder({ 'model.safetensors.index.json': '{"weight_map": ' })));
    expect(err.message).toMatch(/model\.safetensors\.index\.json: is not valid JSON/);
  });

  it('opens stories260K (one file) and sharded folders (transformers\' 5 shards; a random BF16 model in 2) from disk', async () => {
    const single = await openCheckpoint(await openNodeFolder(STORIES260K));
    expect(single.shardNames).toEqual(['model.safetensors']);
    expect(single.entries.get('model.embed_tokens.weight')).toMatchObject({ dtype: 'F32', shape: [512, 64] });

    const tmp = await mkdtemp(path.join(os.tmpdir(), 'cs-ckpt-'));
    try {
      const qwen = await writeRandomModel(path.join(tmp, 'qwen2'), { family: 'qwen2', dtype: 'BF16', shards: 2 });
      for (const [dir, shards] of [[path.join(GOLDENS, 'llama-bias-sharded'), 5], [qwen.dir, 2]] as const) {
        const folder = await openNodeFolder(dir);
        const ckpt = await openCheckpoint(folder);
        const index = JSON.parse(new TextDecoder().decode(await folder.get('model.safetensors.index.json')!.read(0, 1e7)));
        expect(ckpt.shardNames).toEqual(Array.from({ length: shards }, (_, i) => `model-0000${i + 1}-of-0000${shards}.safetensors`));
        expect(ckpt.totalBytes).toBe(index.metadata.total_size);
        expect(ckpt.entries.size).toBe(Object.keys(index.weight_map).length);
        const norm = await ckpt.readTensorBytes('model.norm.weight');
        expect(norm.length).toBe(ckpt.entries.get('model.norm.weight')!.end - ckpt.entries.get('model.norm.weight')!.begin);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('an index entry that is not a safetensors file of the folder is named (found by the fuzz suite)', async () => {
    for (const shard of ['', '../outside.safetensors', 'model.bin', 5]) {
      const index = JSON.stringify({ weight_map: { a: shard, b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' } });
      const err = await failure(openCheckpoint(shardedFolder({ 'model.safetensors.index.json': index })));
      expect(err.file).toBe('model.safetensors.index.json');
      expect(err.message).toMatch(/weight_map\["a"\] is .*, not the name of a safetensors file in the folder/);
    }
  });

  it('reads byte ranges of a tensor, and refuses ranges outside it', async () => {
    const ckpt = await openCheckpoint(shardedFolder());
    const whole = await ckpt.readTensorBytes('a');
    expect([...(await ckpt.readTensorBytes('a', { start: 4, end: 12 }))]).toEqual([...whole.subarray(4, 12)]);
    await expect(ckpt.readTensorBytes('a', { start: 8, end: 20 })).rejects.toThrow(RangeError);
  });
});
