// Our vocabulary selection + pruned tokenizer against the PyTorch reference in
// bench/reference (quality-<model>.json, results[*].tokenizer): for the same
// V', order and closure, the pruned tokenizer must keep the same number of
// merges and tokenize the 64 KiB evaluation text identically in count, byte
// fallbacks, bytes and round trip ("compact" = id order, "-freq" = calibration
// frequency order, "-closed" = merge closure).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectVocabulary } from '../prune/vocab-select';
import { isByteFallbackToken } from './byte-level';
import { pruneTokenizerFiles } from './prune-tokenizer';
import { TextTokenizer } from './text-tokenizer';
import { BENCH_REFERENCE } from '../testing/fixtures';
import { loadCorpus, loadModelFiles, type FixtureModel } from './test-helpers';

interface AnchorTokenizer {
  vocab_kept: number;
  eval_tokens: number;
  eval_token_bytes: number;
  roundtrip_exact: boolean;
  eval_byte_fallback_tokens: number;
  merges_kept: number;
}
interface AnchorRow {
  method: string;
  tokenizer: AnchorTokenizer | null;
}

type ReferenceModel = Exclude<FixtureModel, 'gemma-style'>; // the models the PyTorch reference ran

const EVAL_BYTES = 65_536;
const CALIBRATION_TOKENS = 16 * 512;

/** First 64 KiB of UTF-8, cut back to a character boundary. */
function evalText(): string {
  const bytes = Buffer.from(loadCorpus('tinystories'), 'utf8').subarray(0, EVAL_BYTES);
  let end = bytes.length;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // bytes[end] continues a char: cut before its lead
  return bytes.subarray(0, end).toString('utf8');
}

function calibrationCounts(model: ReferenceModel): Uint32Array {
  const files = loadModelFiles(model);
  const tok = TextTokenizer.fromJson(files.tokenizerJson, files.tokenizerConfig);
  const text = loadCorpus('wikitext2');
  const prefix = text.slice(0, text.indexOf('\n', 200_000) + 1); // cut after a '\n': the ids before it are exact
  const ids = tok.encode(prefix).slice(0, CALIBRATION_TOKENS);
  expect(ids.length).toBe(CALIBRATION_TOKENS);
  const counts = new Uint32Array(tok.vocabSize);
  for (const id of ids) counts[id]!++;
  return counts;
}

const CASES: Record<ReferenceModel, { method: string; keep: number }[]> = {
  'llama-10m': [
    { method: 'compact', keep: 28031 },
    { method: 'compact-freq', keep: 28031 },
    { method: 'compact-closed', keep: 28031 },
    { method: 'compact-closed', keep: 12155 },
    { method: 'compact-freq-closed', keep: 20093 },
  ],
  'qwen2-14m': [
    { method: 'compact', keep: 22951 },
    { method: 'compact-freq', keep: 22951 },
    { method: 'compact-closed', keep: 13849 },
    { method: 'compact-freq-closed', keep: 22951 },
  ],
  stories260K: [
    { method: 'compact', keep: 410 },
    { method: 'compact-freq', keep: 308 },
    { method: 'compact-closed', keep: 410 },
    { method: 'compact-closed', keep: 308 },
    { method: 'compact-freq-closed', keep: 410 },
    { method: 'compact-freq-closed', keep: 308 },
  ],
};

describe.each(Object.keys(CASES) as ReferenceModel[])('pruned tokenizer of %s matches the PyTorch anchors', (model) => {
  const rows: AnchorRow[] = JSON.parse(readFileSync(path.join(BENCH_REFERENCE, `quality-${model}.json`), 'utf8')).results;
  const text = evalText();
  let counts: Uint32Array | undefined;

  it.each(CASES[model])('$method at V\' = $keep', ({ method, keep }) => {
    const anchor = rows.find((r) => r.method === method && r.tokenizer?.vocab_kept === keep)?.tokenizer;
    expect(anchor, 'anchor row exists').toBeTruthy();
    const frequency = method.includes('freq');
    if (frequency) counts ??= calibrationCounts(model);
    const files = loadModelFiles(model);
    const selection = selectVocabulary({
      ...files,
      order: frequency ? 'frequency' : 'id',
      counts: frequency ? counts : undefined,
      keep,
      closure: method.endsWith('closed'),
    });
    const pruned = pruneTokenizerFiles(files, selection.keptIds);
    const tok = TextTokenizer.fromJson(pruned.tokenizerJson, pruned.tokenizerConfig);
    const ids = tok.encode(text);
    let bytes = 0;
    let fallbacks = 0;
    for (const id of ids) {
      bytes += tok.tokenByteLength(id);
      if (isByteFallbackToken(tok.tokenString(id))) fallbacks++;
    }
    const ours: AnchorTokenizer = {
      vocab_kept: selection.keptIds.length,
      eval_tokens: ids.length,
      eval_token_bytes: bytes,
      roundtrip_exact: tok.decode(ids) === text,
      eval_byte_fallback_tokens: fallbacks,
      merges_kept: pruned.tokenizerJson.model.merges.length,
    };
    const { vocab_kept, eval_tokens, eval_token_bytes, roundtrip_exact, eval_byte_fallback_tokens, merges_kept } = anchor!;
    expect(ours).toEqual({ vocab_kept, eval_tokens, eval_token_bytes, roundtrip_exact, eval_byte_fallback_tokens, merges_kept });
  });
});
