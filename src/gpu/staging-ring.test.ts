// StagingRing: bytes read into a mapped slot (or handed over from elsewhere) land at their offset,
// an odd tail goes up (zero-padded to whole words), and more uploads than slots reuse each slot only
// after its copy is done.
import { describe, expect, it } from 'vitest';
import { Gpu } from './context';
import { StagingRing } from './staging-ring';
import { testDevice } from './test-device';

describe('StagingRing', () => {
  it('puts every piece at its offset, read into the slot or copied in, and the odd tail', async () => {
    const { device } = await testDevice();
    const gpu = new Gpu(device);
    const total = 10 * 64 + 6; // ten full 64-byte pieces and a 6-byte tail
    const source = Uint8Array.from({ length: total }, (_, i) => (i * 31 + 7) & 0xff);
    const t = gpu.weight([Math.ceil(total / 2)], 'bf16', 'dst');
    const ring = new StagingRing(gpu, 64, 3);
    let intoFills = 0;
    for (let at = 0; at < total; at += 64) {
      const piece = source.subarray(at, Math.min(total, at + 64));
      const n = await ring.upload(t.buffer, at, async (into) => {
        if ((at / 64) % 2 === 0) return piece.slice(); // a source that returns its own bytes
        intoFills++;
        into.set(piece);
        return into.subarray(0, piece.length);
      });
      expect(n).toBe(piece.length);
    }
    await ring.finish();
    const got = await gpu.readRaw(t);
    ring.destroy();
    expect(intoFills).toBe(5);
    expect([...got.subarray(0, total)]).toEqual([...source]);
    await expect(ring.upload(t.buffer, 2, async (into) => into)).rejects.toThrow(/multiple of 4/);
  });
});
