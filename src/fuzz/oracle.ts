// What every fuzz case must end in: a typed error naming the file and the fix, or an accepted
// model that passes the checks an export must pass. Runs the engine's own pre-upload checks
// (engine/inspect-folder.ts) in-process, without a GPU.
import { ModelFileError, UnsupportedModelError } from '../io/errors';
import { memoryFiles, type ModelFiles, type OutputFolder } from '../io/source';
import { inspectFolder, type InspectedFolder } from '../engine/inspect-folder';
import { exportPrunedFolder } from '../prune/export';
import { selectVocabulary } from '../prune/vocab-select';
import { tokenizerVocabSize } from '../tokenizer/tokenizer-json';

export type Outcome =
  | { kind: 'refused'; file: string; message: string }
  | { kind: 'accepted' }
  /** anything else: a bug (an untyped error, a bad message, an accepted model that fails the export checks). */
  | { kind: 'bug'; message: string };

/** A refusal a user can act on: the typed error names a file and a fix, in a short plain message. */
function refusalProblem(e: unknown): string | null {
  if (!(e instanceof ModelFileError || e instanceof UnsupportedModelError)) {
    return `untyped ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}\n${(e as Error)?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
  }
  if (!e.file || !e.fix) return `no file or fix: ${e.message}`;
  if (e.message.length > 800) return `message of ${e.message.length} chars`;
  // our own wording never shows internals; a quoted library message (library: "...") may
  if (/undefined|\[object |NaN/.test(e.message.replace(/\(library: ".*"\)/, ''))) return `message leaks internals: ${e.message}`;
  return null;
}

export async function runCase(files: ModelFiles, sampleText: string): Promise<Outcome> {
  let inspected: InspectedFolder;
  try {
    inspected = await inspectFolder(files);
  } catch (e) {
    const problem = refusalProblem(e);
    if (problem) return { kind: 'bug', message: problem };
    return { kind: 'refused', file: (e as ModelFileError).file, message: (e as Error).message };
  }
  try {
    const problem = checkInvariants(inspected) ?? (await checkSafetensors(files, inspected)) ?? (await checkExport(files, inspected, sampleText));
    return problem ? { kind: 'bug', message: `accepted, but ${problem}` } : { kind: 'accepted' };
  } catch (e) {
    return { kind: 'bug', message: `accepted, but the export checks threw: ${(e as Error).message}\n${(e as Error).stack?.split('\n').slice(1, 6).join('\n')}` };
  }
}

/** What the engine relies on about an accepted spec (see model/spec.ts limits). */
function checkInvariants({ model: { spec } }: InspectedFolder): string | null {
  const sizes = { layers: spec.layers, hidden: spec.hidden, heads: spec.heads, kvHeads: spec.kvHeads, headDim: spec.headDim, intermediate: spec.intermediate, vocab: spec.vocabSize };
  for (const [k, v] of Object.entries(sizes)) if (!Number.isSafeInteger(v) || v <= 0 || v > 1 << 24) return `spec.${k} = ${v}`;
  if (spec.heads % spec.kvHeads !== 0) return `heads ${spec.heads} not a multiple of kv heads ${spec.kvHeads}`;
  if (!(spec.rmsEps > 0 && spec.rmsEps < 1)) return `rmsEps ${spec.rmsEps}`;
  for (const t of [spec.ropeFull, spec.ropeSliding]) {
    if (t.invFreq.length === 0 || t.invFreq.length * 2 > spec.headDim || !t.invFreq.every((f) => Number.isFinite(f) && f > 0)) return `rope table ${t.invFreq.slice(0, 4).join(', ')}`;
  }
  for (const id of [spec.bosId, spec.padId, ...spec.eosIds]) if (id !== null && !(id >= 0 && id < spec.vocabSize)) return `special id ${id} outside V ${spec.vocabSize}`;
  if (spec.layerKinds.length !== spec.layers) return 'layerKinds length';
  return null;
}

/** Differential check: every safetensors file we accept, the rules of the safetensors library
 *  accept too, with the same tensors at the same offsets. */
async function checkSafetensors(files: ModelFiles, { model: { ckpt } }: InspectedFolder): Promise<string | null> {
  for (const shard of ckpt.shardNames) {
    const src = files.get(shard)!;
    const ref = referenceSafetensors(await src.read(0, src.size));
    if (!ref.ok) return `${shard}: the safetensors rules refuse it (${ref.reason})`;
    for (const [name, t] of ref.tensors) {
      const ours = ckpt.entries.get(name);
      if (!ours || ours.file !== shard || ours.begin !== t.begin || ours.end !== t.end || ours.dtype !== t.dtype || ours.shape.join() !== t.shape.join()) {
        return `${shard}: tensor "${name}" read as ${JSON.stringify(ours)} but stored as ${JSON.stringify(t)}`;
      }
    }
  }
  return null;
}

/**
 * Prunes the accepted model (CPU export to memory), loads the export back under the same rules, and
 * checks the pruned tokenizer: the vocabulary is chosen by frequency in a short sample (with merge
 * closure) so every token the sample uses is kept; the pruned tokenizer must then decode its
 * encoding of the sample back to the sample whenever the original does.
 */
async function checkExport(files: ModelFiles, f: InspectedFolder, sampleText: string): Promise<string | null> {
  const { spec, ckpt, config, generationConfig } = f.model;
  const sample = sampleText.slice(0, 300);
  const before = f.tokenizer.encode(sample);
  const counts = new Uint32Array(spec.vocabSize);
  for (const id of before) counts[id]++;
  const distinct = counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  const common = { tokenizerJson: f.tokenizerJson, tokenizerConfig: f.tokenizerConfig, generationConfig, config, closure: true };
  // the smallest V' (in steps of 1/8) whose selection keeps every token the sample uses: a ranked
  // token whose merge closure does not fit the budget is skipped, so the budget must leave room
  const floor = selectVocabulary({ ...common, order: 'id', keep: spec.vocabSize }).alwaysKept;
  const used = [...new Set(before)];
  let keep = Math.min(spec.vocabSize, floor + distinct);
  let vocab = selectVocabulary({ ...common, order: 'frequency', counts, keep });
  while (keep < spec.vocabSize && !keepsAll(vocab.keptIds, used)) {
    keep = Math.min(spec.vocabSize, keep + Math.ceil((spec.vocabSize - floor) / 8));
    vocab = selectVocabulary({ ...common, order: 'frequency', counts, keep });
  }
  const ffn = Uint32Array.from({ length: spec.intermediate }, (_, i) => i).filter((i) => i % 3 !== 1 || spec.intermediate === 1);
  const sel = { keptVocab: vocab.keptIds, keptFfn: Array.from({ length: spec.layers }, () => ffn) };
  const out = memoryOut();
  await exportPrunedFolder({ spec, ckpt, files, config, generationConfig, tokenizerJson: f.tokenizerJson, tokenizerConfig: f.tokenizerConfig }, sel, out.folder);
  let again: InspectedFolder;
  try {
    again = await inspectFolder(memoryFiles('export', Object.fromEntries(out.files)));
  } catch (e) {
    return `its export does not load: ${(e as Error).message}`;
  }
  const V2 = sel.keptVocab.length;
  if (again.model.spec.vocabSize !== V2 || again.model.spec.intermediate !== ffn.length) return `export sizes ${again.model.spec.vocabSize}/${again.model.spec.intermediate}, expected ${V2}/${ffn.length}`;
  if (tokenizerVocabSize(again.tokenizerJson) > V2) return `export tokenizer has ${tokenizerVocabSize(again.tokenizerJson)} ids for ${V2} rows`;
  if (!keepsAll(sel.keptVocab, used)) return 'the selection dropped a token the sample uses';
  // Consistent, not identical: merge closure keeps every kept token producible, but a dropped merge can
  // change which path BPE takes, so the same text may split differently; it must still decode back.
  const after = again.tokenizer.encode(sample);
  if (f.tokenizer.decode(before) === sample && again.tokenizer.decode(after) !== sample) return 'the pruned tokenizer no longer decodes the sample back';
  // a full-size sample through the pruned tokenizer stays inside its vocabulary
  if (again.tokenizer.encode(sampleText).some((id) => !(id >= 0 && id < V2))) return 'export tokenizer encodes ids outside its vocabulary';
  return null;
}

function keepsAll(kept: Uint32Array, ids: number[]): boolean {
  const set = new Set(kept);
  return ids.every((id) => set.has(id));
}

function memoryOut(): { folder: OutputFolder; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    folder: {
      async create(name) {
        const chunks: Uint8Array[] = [];
        return {
          write: async (c) => void chunks.push(c.slice()),
          close: async () => {
            const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
            let o = 0;
            for (const c of chunks) (all.set(c, o), (o += c.length));
            files.set(name, all);
          },
        };
      },
    },
  };
}

// ---- the safetensors library's rules, written from its validation (safetensors/src/tensor.rs) ----

const BITS: Record<string, number> = {
  BOOL: 8, U8: 8, I8: 8, F8_E4M3: 8, F8_E5M2: 8, F8_E8M0: 8, I16: 16, U16: 16, F16: 16, BF16: 16,
  I32: 32, U32: 32, F32: 32, I64: 64, U64: 64, F64: 64, C64: 64, F4: 4, F6_E2M3: 6, F6_E3M2: 6,
};

export function referenceSafetensors(
  bytes: Uint8Array,
): { ok: true; tensors: Map<string, { dtype: string; shape: number[]; begin: number; end: number }> } | { ok: false; reason: string } {
  if (bytes.length < 8) return { ok: false, reason: 'header too small' };
  const n = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
  if (n > 100_000_000n) return { ok: false, reason: 'header too large' };
  const N = Number(n);
  if (8 + N > bytes.length) return { ok: false, reason: 'invalid header length' };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + N)));
  } catch {
    return { ok: false, reason: 'invalid header (utf-8 / json)' };
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { ok: false, reason: 'header not an object' };
  const tensors = new Map<string, { dtype: string; shape: number[]; begin: number; end: number }>();
  const spans: { b: number; e: number }[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) return { ok: false, reason: 'bad metadata' };
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null || typeof t.dtype !== 'string' || !(t.dtype in BITS)) return { ok: false, reason: `${name}: dtype` };
    const okInt = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (!Array.isArray(t.shape) || !t.shape.every(okInt)) return { ok: false, reason: `${name}: shape` };
    const o = t.data_offsets;
    if (!Array.isArray(o) || o.length !== 2 || !o.every(okInt) || o[1] < o[0]) return { ok: false, reason: `${name}: offsets` };
    const bits = (t.shape as number[]).reduce((a, d) => a * d, 1) * BITS[t.dtype];
    if (bits % 8 !== 0 || bits / 8 !== o[1] - o[0]) return { ok: false, reason: `${name}: size` };
    spans.push({ b: o[0], e: o[1] });
    tensors.set(name, { dtype: t.dtype, shape: t.shape as number[], begin: 8 + N + o[0], end: 8 + N + o[1] });
  }
  spans.sort((x, y) => x.b - y.b || x.e - y.e);
  let cursor = 0;
  for (const s of spans) {
    if (s.b !== cursor) return { ok: false, reason: 'invalid offset (hole or overlap)' };
    cursor = s.e;
  }
  if (cursor !== bytes.length - 8 - N) return { ok: false, reason: 'metadata incomplete buffer' };
  return { ok: true, tensors };
}
