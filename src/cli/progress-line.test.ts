// The CLI progress line with a fake clock: redrawn in place on a terminal (throttled), plain lines
// at most every few seconds elsewhere, an ETA from the stage's pace, and seconds per stage.
import { describe, expect, it } from 'vitest';
import { duration, ProgressLine } from './progress-line';

function fake(isTTY: boolean) {
  let now = 0;
  const out: string[] = [];
  const line = new ProgressLine({ isTTY, write: (s: string) => out.push(s) }, { now: () => now });
  return { line, out, advance: (ms: number) => void (now += ms) };
}

describe('ProgressLine', () => {
  it('on a terminal: \\r-redrawn, at most every 100 ms, with percent and ETA, cleared at the end', () => {
    const { line, out, advance } = fake(true);
    line.stage('calibrate');
    expect(out).toEqual(['\rcalibrate...\x1b[K']);
    advance(10_000);
    line.update({ phase: 'calibrate', done: 1, total: 4, unit: 'steps' });
    expect(out.at(-1)).toBe('\rcalibrate 25% 1/4 steps ETA 30s\x1b[K'); // 10 s for a quarter: 30 s to go
    advance(50);
    line.update({ phase: 'calibrate', done: 2, total: 4, unit: 'steps' });
    expect(out).toHaveLength(2); // throttled
    advance(100);
    line.update({ phase: 'calibrate', done: 2, total: 4, unit: 'steps', message: 'layer 3' });
    expect(out.at(-1)).toBe('\rcalibrate 50% 2/4 steps ETA 10s  layer 3\x1b[K');
    advance(10);
    line.update({ phase: 'calibrate', done: 4, total: 4, unit: 'steps' }); // the last event always draws
    expect(out.at(-1)).toBe('\rcalibrate 100% 4/4 steps\x1b[K');
    advance(5000);
    expect(line.finish()).toEqual({ calibrate: 15.16 }); // 10 000 + 50 + 100 + 10 + 5000 ms
    expect(out.at(-1)).toBe('\r\x1b[K');
  });

  it('elsewhere: one plain line per stage start, then at most every 5 s; bytes in MiB; phase shown when it differs', () => {
    const { line, out, advance } = fake(false);
    line.stage('load');
    for (let i = 1; i <= 100; i++) {
      advance(200);
      line.update({ phase: 'upload', done: i * 2 ** 20, total: 100 * 2 ** 20, unit: 'bytes' });
    }
    expect(out).toEqual([
      'load...\n',
      'load (upload) 25% 25/100 MiB ETA 15s\n',
      'load (upload) 50% 50/100 MiB ETA 10s\n',
      'load (upload) 75% 75/100 MiB ETA 5s\n',
      'load (upload) 100% 100/100 MiB\n',
    ]);
    line.stage('export');
    advance(1500);
    line.stage('export');
    expect(out.slice(-2)).toEqual(['export...\n', 'export...\n']);
    advance(500);
    expect(line.finish()).toEqual({ load: 20, export: 2 }); // a repeated stage adds up
  });

  it('a note clears the terminal line, prints, and redraws the line; elsewhere it is a plain line', () => {
    const tty = fake(true);
    tty.line.stage('load');
    tty.line.note('placement: resident');
    expect(tty.out.at(-1)).toBe('\r\x1b[Kplacement: resident\n\rload...\x1b[K');
    const plain = fake(false);
    plain.line.stage('load');
    plain.line.note('placement: resident');
    expect(plain.out).toEqual(['load...\n', 'placement: resident\n']);
  });

  it('formats durations', () => {
    expect([duration(400), duration(59_400), duration(61_000), duration(3_725_000)]).toEqual(['0s', '59s', '1m01s', '1h02m']);
  });
});
