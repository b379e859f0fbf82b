import { describe, expect, it } from 'vitest';
import { ByteSizeError, formatByteSize, parseByteSize } from './byte-size';

describe('byte sizes', () => {
  it('parses binary and decimal units, with or without a space, in any case', () => {
    expect(parseByteSize('2GiB')).toBe(2 * 2 ** 30);
    expect(parseByteSize('512 MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('4GB')).toBe(4e9);
    expect(parseByteSize(' 1.5 gib ')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('64M')).toBe(64 * 2 ** 20);
    expect(parseByteSize('100 kb')).toBe(100_000);
    expect(parseByteSize('.5T')).toBe(2 ** 39);
  });
  it('refuses what is not a size, with a message that shows how to write one', () => {
    for (const [text, why] of [['', /not a size/], ['lots', /not a size/], ['2048', /no unit/], ['2 GiBs', /not a size unit/], ['0 GiB', /zero/], ['-1GiB', /not a size/], ['1e9B', /not a size/]] as const) {
      const err = (() => { try { parseByteSize(text); } catch (e) { return e; } })();
      expect(err, text).toBeInstanceOf(ByteSizeError);
      expect((err as Error).message, text).toMatch(why);
      expect((err as Error).message, text).toContain('2GiB, 512 MiB or 4GB');
    }
  });
  it('formats bytes in binary units and round-trips what it prints', () => {
    expect(formatByteSize(2 * 2 ** 30)).toBe('2 GiB');
    expect(formatByteSize(64 * 2 ** 20)).toBe('64 MiB');
    expect(formatByteSize(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatByteSize(Infinity)).toBe('no limit');
    expect(formatByteSize(39497 * 1024)).toBe('38.6 MiB');
    expect(formatByteSize(1.25 * 2 ** 30)).toBe('1.25 GiB');
    for (const n of [2 ** 20, 3 * 2 ** 30, 768 * 2 ** 20]) expect(parseByteSize(formatByteSize(n))).toBe(n);
  });
});
