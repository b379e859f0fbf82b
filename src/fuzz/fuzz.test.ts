// Fuzz suite (issue 12): seeded damaged model folders through the engine's own loaders.
// Every case must end as a typed error naming the file and the fix, or as an accepted model that
// passes the export checks (oracle.ts); never an untyped error, a hang, or a silent misread.
// CI runs FUZZ_CASES (default 1000, a few seconds) in-process and a handful through the real CLI;
// `bash scripts/fuzz.sh CASES SEED` runs a longer campaign with the same generators.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryFiles } from '../io/source';
import { wholeTensor, writeSafetensors } from '../io/safetensors-writer';
import { openCheckpoint } from '../io/checkpoint';
import { fuzzCases, KINDS, type Folder } from './mutators';
import { runCase, type Outcome } from './oracle';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODEL = path.join(ROOT, 'fixtures/stories260K');
const CASES = Number(process.env.FUZZ_CASES ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20251202);
const CLI_CASES = Number(process.env.FUZZ_CLI_CASES ?? 6);
/** The longest one case may take in-process (a generous bound on a busy 2-core machine). */
const CASE_MS = 10_000;
const SAMPLE = readFileSync(path.join(ROOT, 'public/heldout-default.txt'), 'utf8').slice(0, 1500);

function baseFolder(): Folder {
  const files: Folder = {};
  for (const name of readdirSync(MODEL)) if (name !== 'reference.json') files[name] = new Uint8Array(readFileSync(path.join(MODEL, name)));
  return files;
}

/** The same model as 3 shards + model.safetensors.index.json (for index and shard cases). */
async function shardedFolder(base: Folder): Promise<Folder> {
  const ckpt = await openCheckpoint(memoryFiles('base', base));
  const written = new Map<string, Uint8Array>();
  await writeSafetensors(
    {
      async create(name) {
        const chunks: Uint8Array[] = [];
        return { write: async (c) => void chunks.push(c.slice()), close: async () => void written.set(name, new Uint8Array(Buffer.concat(chunks))) }; // a plain copy: Buffer.slice would share memory
      },
    },
    [...ckpt.entries.values()].map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin, chunks: wholeTensor(() => ckpt.readTensorBytes(e.name)) })),
    { maxShardBytes: Math.ceil(ckpt.totalBytes / 3) },
  );
  const { 'model.safetensors': _single, ...rest } = base;
  return { ...rest, ...Object.fromEntries(written) };
}

describe('fuzz: damaged model folders', () => {
  it(`${CASES} seeded cases (seed ${SEED}) end in a clear refusal or a model that exports`, async () => {
    const base = baseFolder();
    const sharded = await shardedFolder(base);
    expect(Object.keys(sharded)).toContain('model.safetensors.index.json');
    for (const good of [base, sharded]) expect(await runCase(memoryFiles('base', good), SAMPLE)).toEqual({ kind: 'accepted' });

    const tally: Record<string, Record<Outcome['kind'], number>> = {};
    const bugs: string[] = [];
    const messages = new Map<string, string>();
    let slowest = { ms: 0, id: '' };
    const t0 = performance.now();
    for (const c of fuzzCases([base, base, sharded], CASES, SEED)) {
      const start = performance.now();
      const outcome = await runCase(memoryFiles('fuzzed', c.files), SAMPLE);
      const ms = performance.now() - start;
      if (ms > slowest.ms) slowest = { ms, id: `${c.id} (${c.what})` };
      if (ms > CASE_MS) bugs.push(`${c.id} took ${ms.toFixed(0)} ms: ${c.what}`);
      (tally[c.kind] ??= { refused: 0, accepted: 0, bug: 0 })[outcome.kind]++;
      if (outcome.kind === 'bug') bugs.push(`${c.id} ${c.what}\n  -> ${outcome.message}`);
      if (outcome.kind === 'refused' && !messages.has(c.kind)) messages.set(c.kind, outcome.message);
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`${CASES} cases in ${seconds.toFixed(1)} s; slowest ${slowest.ms.toFixed(0)} ms: ${slowest.id}`);
    console.table(tally);
    for (const [kind, m] of messages) console.log(`${kind}: ${m}`);
    expect(bugs, bugs.join('\n')).toEqual([]);
    // the generators reach both outcomes (a suite that only ever refuses would prove little)
    const total = (k: Outcome['kind']) => Object.values(tally).reduce((a, t) => a + t[k], 0);
    expect(total('refused')).toBeGreaterThan(CASES * 0.4);
    expect(total('accepted')).toBeGreaterThan(CASES * 0.03);
    if (CASES >= KINDS.length * 5) for (const kind of KINDS) expect(tally[kind].refused, `${kind} never refused`).toBeGreaterThan(0);
  });

  it(`${CLI_CASES} cases through the real CLI: exit 1 with the same message and no stack trace, or 0 with finite results`, async () => {
    const base = baseFolder();
    const text = path.join(ROOT, 'public/heldout-default.txt');
    // header, JSON, config and tokenizer damage (data-byte flips change weights, which no loader can see)
    const kinds = ['st-header-length', 'st-entry', 'json-swap', 'config-range', 'tokenizer-edit', 'json-bytes'];
    const dir = mkdtempSync(path.join(tmpdir(), 'cs-fuzz-cli-'));
    let accepted = 0;
    for (const c of fuzzCases([base], CLI_CASES, SEED + 1, kinds)) {
      const folder = path.join(dir, c.id.replace('#', '-'));
      mkdirSync(folder);
      for (const [name, bytes] of Object.entries(c.files)) writeFileSync(path.join(folder, name), bytes);
      const expected = await runCase(memoryFiles('fuzzed', c.files), SAMPLE);
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/compact-studio.mjs'), 'eval', '--model', folder, '--text', text, '--tokens', '512', '--seq', '64', '--json'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      console.log(`${c.id} ${c.what}: exit ${r.status}${r.status === 1 ? `, ${r.stderr.trim().split('\n').pop()}` : ''}`);
      expect(r.signal, `${c.id} was killed (hang?)`).toBeNull();
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (expected.kind === 'refused') {
        expect(r.status, `${c.id}: ${c.what}\n${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(`error: ${expected.message}`);
      } else {
        expect(expected.kind).toBe('accepted');
        expect(r.status, `${c.id}: ${c.what}\n${r.stderr}`).toBe(0);
        const result = JSON.parse(r.stdout);
        expect(Number.isFinite(result.mean_nll) && Number.isFinite(result.bits_per_byte) && result.bits_per_byte > 0).toBe(true);
        accepted++;
      }
    }
    console.log(`${accepted} of ${CLI_CASES} accepted`);
  });
});
