import { describe, expect, it } from 'vitest';
import { paretoFront, textFromUpload, transferRate } from './derive';
import { DEFAULT_SETTINGS, sanitizeSettings } from './settings';
import type { SweepPoint } from '../engine/types';

const pt = (params: number, bpb: number): SweepPoint => ({
  vocabKeep: params, ffnKeep: 1, params, fileBytes: 4 * params, share: 1, order: 'frequency', criterion: 'common-act2', closure: true, bits_per_byte: bpb, ppl: 2 ** bpb,
});

describe('store helpers', () => {
  it('computes MB/s and ETA', () => {
    expect(transferRate(50e6, 100e6, 0, 2000)).toEqual({ bytesPerSecond: 25e6, etaSeconds: 2 });
    expect(transferRate(0, 100, 0, 10).etaSeconds).toBeNull();
  });
  it('keeps only non-dominated sweep points', () => {
    const pts = [pt(100, 2.0), pt(120, 1.8), pt(110, 2.1), pt(150, 1.9), pt(200, 1.5)];
    expect(paretoFront(pts).map((p) => p.params)).toEqual([100, 120, 200]);
  });
  it('reads jsonl text fields and refuses other file types', () => {
    expect(textFromUpload('a.jsonl', '{"text":"one"}\n\n{"id":1,"body":"two"}\n')).toBe('one\n\ntwo');
    expect(() => textFromUpload('a.jsonl', '{bad')).toThrow(/line 1/);
    expect(() => textFromUpload('a.pdf', 'x')).toThrow(/not a .txt/);
    expect(textFromUpload('notes.md', '# hi')).toBe('# hi');
  });
  it('sanitizes stored settings', () => {
    expect(sanitizeSettings(null)).toEqual(DEFAULT_SETTINGS);
    const s = sanitizeSettings({ calibration: { samples: 4, criterion: 'nope' }, eval: { tokens: 512, seq: 128 }, exportMode: 'folder' });
    expect(s.calibration.samples).toBe(4);
    expect(s.calibration.criterion).toBe('common-act2');
    expect(s.eval).toEqual({ tokens: 512, seq: 128 });
    expect(s.exportMode).toBe('folder');
  });
});
