// The predicted order's scores on the real stories260K against a numpy fp32 forward
// (fixtures/goldens/predicted-mass-stories260K.json, scripts/research/cpu_eval.py): the
// next-token probabilities summed over 2 windows of 64 wikitext tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { openSession, type EngineSession } from '../engine/session';
import { FIXTURES, GOLDENS, STORIES260K } from '../testing/fixtures';
import { activationScores, calibrationWindows } from './calibration';
import { predictedMass } from './token-probs';

const golden = JSON.parse(readFileSync(join(GOLDENS, 'predicted-mass-stories260K.json'), 'utf8'));

describe('predicted token mass', () => {
  let s: EngineSession;
  beforeAll(async () => {
    const { device } = await testDevice();
    s = await openSession(device, await openNodeFolder(STORIES260K));
  });

  it('equals the numpy forward on stories260K (2 x 64 calibration tokens)', async () => {
    const ids = s.tokenizer.encode(readFileSync(join(FIXTURES, 'corpora', 'wikitext2-test.raw'), 'utf8'));
    const windows = calibrationWindows(ids, golden.windows, golden.seq);
    expect([...windows.ids]).toEqual(golden.ids);
    const mass = await predictedMass(s.gpu, s.model, windows, { activationBytes: s.activationBytes() });
    let d = 0;
    for (let c = 0; c < 512; c++) d = Math.max(d, Math.abs(mass[c] - golden.mass[c]));
    const total = mass.reduce((a, b) => a + b, 0);
    const top = (m: ArrayLike<number>) => [...Array(512).keys()].sort((a, b) => m[b] - m[a]).slice(0, 10);
    console.log(`max |mass - numpy| ${d.toExponential(2)}; total ${total.toFixed(5)} (128 positions); top ids ${top(mass).join(',')}`);
    expect(d).toBeLessThan(1e-4);
    expect(Math.abs(total - 128)).toBeLessThan(1e-3);
    expect(top(mass)).toEqual(top(golden.mass));
  });

  it('comes from the calibration pass too, beside unchanged FFN statistics (one pass over the stack for both)', async () => {
    const ids = s.tokenizer.encode(readFileSync(join(FIXTURES, 'corpora', 'wikitext2-test.raw'), 'utf8'));
    const windows = calibrationWindows(ids, golden.windows, golden.seq);
    const activationBytes = s.activationBytes();
    const alone = await activationScores(s.gpu, s.model, windows, null, { activationBytes });
    const both = await activationScores(s.gpu, s.model, windows, null, { activationBytes, withMass: true });
    expect(alone.mass).toBeUndefined();
    let dMass = 0;
    for (let c = 0; c < 512; c++) dMass = Math.max(dMass, Math.abs(both.mass![c] - golden.mass[c]));
    let dAct = 0;
    for (let l = 0; l < alone.act2.length; l++) {
      for (let j = 0; j < alone.act2[l].length; j++) {
        dAct = Math.max(dAct, Math.abs(both.act2[l][j] - alone.act2[l][j]) / Math.max(1e-30, Math.abs(alone.act2[l][j])));
        dAct = Math.max(dAct, Math.abs(both.commonAct2[l][j] - alone.commonAct2[l][j]) / Math.max(1e-30, Math.abs(alone.commonAct2[l][j])));
      }
    }
    console.log(`fused pass: max |mass - numpy| ${dMass.toExponential(2)}; max relative act2 difference to the pass alone ${dAct.toExponential(2)}`);
    expect(dMass).toBeLessThan(1e-4);
    expect(dAct).toBeLessThan(1e-6);
  });
});
