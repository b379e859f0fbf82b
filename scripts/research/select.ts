// Research only (not the product): vocabulary selections and the texts they tokenize, for the
// CPU evaluator (cpu_eval.py). For each job (order, closure, V', ...) it selects the vocabulary
// with the product's selectVocabulary, builds the pruned tokenizer with the product's
// pruneTokenizerFiles, encodes the evaluation and selection texts with it, and writes the ids
// mapped back to the ORIGINAL ids (so the evaluator slices the dense model) with each
// token's byte count. Bundled and run by run.sh.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectVocabulary } from '../../src/prune/vocab-select';
import { pruneTokenizerFiles } from '../../src/tokenizer/prune-tokenizer';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer';
import { calibrationWindows, tokenCounts } from '../../src/prune/calibration';
import { utf8Prefix } from '../../src/eval/windows';
import { rankScores, type RankingName } from './rankings';
import { selectPathClosed } from './path-closure';

interface Job { name: string; order: 'id' | 'frequency'; closure: boolean | 'path'; keep: number; countTokens?: number; ranking?: RankingName; reach?: boolean }

const [modelDir, calibPath, evalPath, jobsPath, outPath] = process.argv.slice(2);
const readJson = (n: string) => { try { return JSON.parse(readFileSync(join(modelDir, n), 'utf8')); } catch { return undefined; } };
const jsons = { tokenizerJson: readJson('tokenizer.json'), tokenizerConfig: readJson('tokenizer_config.json'), generationConfig: readJson('generation_config.json'), config: readJson('config.json') };
const V: number = jsons.config.vocab_size;
const tok = TextTokenizer.fromJson(jsons.tokenizerJson, jsons.tokenizerConfig);
const calibIds = tok.encode(readFileSync(calibPath, 'utf8'));
const windows = calibrationWindows(calibIds, 16, 512);
const full = readFileSync(evalPath, 'utf8');
const evalText = utf8Prefix(full, 65536);
const selectText = utf8Prefix(full.slice(evalText.length), 65536); // the bytes after the evaluation span
const jobs: Job[] = JSON.parse(readFileSync(jobsPath, 'utf8'));

function encodeOld(t: TextTokenizer, kept: Uint32Array | null, text: string) {
  const ids = t.encode(text);
  const bytes = ids.map((id) => t.tokenByteLength(id));
  return { ids: kept ? ids.map((id) => kept[id]) : ids, bytes };
}

const out: any = { V, calib: Array.from(windows.ids), jobs: [] };
for (const job of jobs) {
  const t0 = Date.now();
  const countSpan = job.countTokens ? calibIds.slice(0, job.countTokens) : windows.ids;
  let counts = tokenCounts(countSpan, V);
  if (job.ranking) counts = rankScores(job.ranking, { ...jsons, counts, V });
  const kept = job.keep >= V ? null
    : job.closure === 'path' ? selectPathClosed({ ...jsons, order: job.order, counts, keep: job.keep })
    : selectVocabulary({ ...jsons, order: job.order, counts, keep: job.keep, closure: job.closure }).keptIds;
  const t = kept ? (() => { const f = pruneTokenizerFiles({ ...jsons }, kept); return TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig); })() : tok;
  const rec: any = { ...job, kept: kept ? Array.from(kept) : null, eval: encodeOld(t, kept, evalText), select: encodeOld(t, kept, selectText) };
  if (job.reach && kept) {
    // kept tokens the pruned tokenizer never produces on the calibration and evaluation texts
    // although the dense one does: rows a re-tokenization-aware closure could give back
    const dense = new Set([...calibIds, ...tok.encode(evalText)]);
    const seen = new Set([...encodeOld(t, kept, readFileSync(calibPath, 'utf8')).ids, ...rec.eval.ids]);
    const unreachable = [...kept].filter((id) => dense.has(id) && !seen.has(id));
    rec.reach = { keptSeenDense: [...kept].filter((id) => dense.has(id)).length, unreachable: unreachable.length, examples: unreachable.slice(0, 12).map((id) => tok.tokenString(id)) };
    console.error(`${job.name}: reach ${JSON.stringify(rec.reach)}`);
  }
  out.jobs.push(rec);
  console.error(`${job.name}: V'=${kept?.length ?? V} ${Date.now() - t0} ms`);
}
writeFileSync(outPath, JSON.stringify(out));
