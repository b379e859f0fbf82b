// `compact-studio make-model`: a random-weight model folder at a real shape with a real
// tokenizer (src/bench/random-model.ts), for size tests and benchmarks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeOutputFolder } from '../io/node-output';
import { SHAPES, writeRandomModel } from '../bench/random-model';
import type { SupportedDtype } from '../io/safetensors';
import { UsageError, optionalNumber, parseFlags, requireString } from './args';
import { ByteSizeError, parseByteSize } from '../engine/byte-size';

export const MAKE_MODEL_USAGE = `  make-model --shape ${Object.keys(SHAPES).join('|')} --tokenizer DIR --out DIR
         [--dtype bf16|f16|f32] [--seed N] [--shard-size 2GB] [--vocab N]
         a random-weight model (std 0.02) at a real shape, with the tokenizer files of DIR
         (tokenizer.json, tokenizer_config.json; bos/eos ids from DIR/config.json)`;

export async function runMakeModel(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    shape: { type: 'string' }, tokenizer: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' },
    seed: { type: 'string' }, 'shard-size': { type: 'string' }, vocab: { type: 'string' },
  });
  const name = requireString(f, 'shape');
  const base = SHAPES[name];
  if (!base) throw new UsageError(`unknown --shape ${name}; known: ${Object.keys(SHAPES).join(', ')}`);
  const dtype = ({ bf16: 'BF16', f16: 'F16', f32: 'F32' } as Record<string, SupportedDtype>)[(f.dtype as string | undefined) ?? 'bf16'];
  if (!dtype) throw new UsageError(`--dtype must be bf16, f16 or f32 (got ${String(f.dtype)})`);
  const tokDir = requireString(f, 'tokenizer');
  const read = (file: string) => readFile(join(tokDir, file), 'utf8').catch(() => undefined);
  const tokenizerJson = await read('tokenizer.json');
  if (!tokenizerJson) throw new UsageError(`no tokenizer.json in ${tokDir}: give --tokenizer a folder that has one`);
  const srcConfig = JSON.parse((await read('config.json')) ?? '{}') as { bos_token_id?: number; eos_token_id?: number };
  let shardSize = 2e9;
  try {
    if (f['shard-size'] !== undefined) shardSize = parseByteSize(String(f['shard-size']));
  } catch (e) {
    if (e instanceof ByteSizeError) throw new UsageError(`--shard-size: ${e.message}`);
    throw e;
  }
  const shape = { ...base, vocab_size: optionalNumber(f, 'vocab', base.vocab_size, (n) => Number.isInteger(n) && n > 0, 'a whole number > 0') };
  const out = requireString(f, 'out');
  const t0 = performance.now();
  let last = 0;
  const { params, bytes } = await writeRandomModel(await nodeOutputFolder(out), {
    shape,
    dtype,
    seed: optionalNumber(f, 'seed', 1, (n) => Number.isInteger(n), 'a whole number'),
    tokenizerJson,
    tokenizerConfig: await read('tokenizer_config.json'),
    bosId: srcConfig.bos_token_id ?? null,
    eosId: srcConfig.eos_token_id ?? null,
    maxShardBytes: shardSize,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - last > 2000 || done === total) {
        last = now;
        process.stderr.write(`make-model: ${((done / total) * 100).toFixed(0)}% of ${(total / 1e9).toFixed(2)} GB\n`);
      }
    },
  });
  console.log(JSON.stringify({ out, shape: name, dtype, params, bytes, seconds: (performance.now() - t0) / 1000 }));
}
