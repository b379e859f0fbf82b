import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead';

describe('readAhead', () => {
  it('yields in order and asks for the next item before the current one is consumed', async () => {
    const log: string[] = [];
    async function* source() {
      for (let i = 0; i < 3; i++) {
        log.push(`produce ${i}`);
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const v of readAhead(source())) {
      log.push(`consume ${v}`);
      seen.push(v);
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(log).toEqual(['produce 0', 'produce 1', 'consume 0', 'produce 2', 'consume 1', 'consume 2']);
  });
  it('a failure ahead surfaces at its turn; an early stop closes the source', async () => {
    async function* failing() {
      yield 1;
      throw new Error('read failed');
    }
    const got: number[] = [];
    await expect((async () => {
      for await (const v of readAhead(failing())) got.push(v);
    })()).rejects.toThrow('read failed');
    expect(got).toEqual([1]);
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const v of readAhead(endless())) if (v === 2) break;
    expect(closed).toBe(true);
  });
});
