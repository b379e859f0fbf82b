// The frequency order's count span on the real stories260K: 'text' (the default) counts the whole
// calibration text, 'windows' only the samples x S tokens the FFN scores see (the PyTorch
// reference's rule). The kept vocabulary must equal an independent ranking of each span's counts;
// the FFN scores must not depend on the span.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { alwaysKeptTokens } from '../tokenizer/special';
import { FIXTURES, STORIES260K } from '../testing/fixtures';
import { openSession, type EngineSession } from './session';

const text = readFileSync(join(FIXTURES, 'corpora', 'wikitext2-test.raw'), 'utf8');
const json = (name: string) => JSON.parse(readFileSync(join(STORIES260K, name), 'utf8'));

/** always-kept + the top (keep - always) ids by count (ties: lower id), closure off. */
function expectedKept(counts: Uint32Array, keep: number): number[] {
  const always = alwaysKeptTokens(json('tokenizer.json'), json('tokenizer_config.json'), json('generation_config.json'), json('config.json'));
  const ranked = [...counts.keys()].filter((id) => !always.has(id)).sort((a, b) => counts[b] - counts[a] || a - b);
  return [...always.keys(), ...ranked.slice(0, keep - always.size)].sort((a, b) => a - b);
}

describe('frequency order count span', () => {
  let s: EngineSession;
  beforeAll(async () => {
    const { device } = await testDevice();
    s = await openSession(device, await openNodeFolder(STORIES260K));
  });

  it("'text' ranks by the whole calibration text, 'windows' by the calibration windows (switched without a pass); FFN scores equal", async () => {
    const ids = s.tokenizer.encode(text);
    const count = (span: ArrayLike<number>) => {
      const c = new Uint32Array(512);
      for (let i = 0; i < span.length; i++) c[span[i]]++;
      return c;
    };
    const opts = { samples: 1, sampleTokens: 64, vocabOrder: 'frequency', criterion: 'act2', closure: false } as const;
    const keep = 300;
    await s.calibrate(text, { ...opts, countSpan: 'windows' });
    const win = await s.selection({ vocabKeep: keep, ffnKeep: 100 });
    s.setOptions({ ...opts, countSpan: 'text' }); // no new pass: both spans were counted
    const all = await s.selection({ vocabKeep: keep, ffnKeep: 100 });
    await s.calibrate(text, { ...opts }); // the default span is the whole text
    expect([...(await s.selection({ vocabKeep: keep, ffnKeep: 100 })).sel.keptVocab]).toEqual([...all.sel.keptVocab]);
    expect([...win.sel.keptVocab]).toEqual(expectedKept(count(ids.slice(0, 64)), keep));
    expect([...all.sel.keptVocab]).toEqual(expectedKept(count(ids), keep));
    const differ = [...all.sel.keptVocab].filter((id) => !win.sel.keptVocab.includes(id)).length;
    console.log(`${ids.length} text tokens; ${differ} of ${keep} kept ids differ between the spans`);
    expect(differ).toBeGreaterThan(0);
    expect(all.sel.keptFfn.map((c) => [...c])).toEqual(win.sel.keptFfn.map((c) => [...c]));
  });
});
