// Which precision a calibration runs in. 'auto' (the default) is exact f32 even where tensor
// cores are offered: on the H200 fast mode measured 3.8x slower (BENCHMARKS.md, 2026-12-02).
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, STORIES260K } from '../testing/fixtures';
import { openSession, type EngineSession } from './session';

const calib = readFileSync(join(FIXTURES, 'corpora', 'wikitext2-test.raw'), 'utf8');
const base = { samples: 1, sampleTokens: 64, vocabOrder: 'id', criterion: 'common-act2', closure: true } as const;

describe('calibration compute mode', () => {
  let s: EngineSession;
  beforeAll(async () => {
    const { device } = await testDevice();
    s = await openSession(device, await openNodeFolder(STORIES260K));
    // pretend the adapter offers tensor cores: 'auto' must still choose exact
    Object.defineProperty(s.gpu, 'hasFastMatmul', { get: () => true });
  });

  it("'auto' and no mode run exact f32 even where fast mode is offered", async () => {
    for (const mode of ['auto', undefined] as const) {
      const cal = await s.calibrate(calib, { ...base, mode });
      expect(cal.mode).toBe('exact');
      expect(cal.modeNote).toMatch(/^exact: f32 math \(the default/);
    }
  });

  it("'exact' says it was asked for", async () => {
    const cal = await s.calibrate(calib, { ...base, mode: 'exact' });
    expect(cal.mode).toBe('exact');
    expect(cal.modeNote).toBe('exact: f32 math (asked for)');
  });
});
