// latency() reports progress between its timed runs (resident: 4 prefill runs and 7 decode steps;
// streamed: 4 prefill passes, no decode), the places where the studio's cancel stops it: a
// throwing progress callback ends the call there, with its buffers freed.
import { beforeAll, describe, expect, it } from 'vitest';
import { testDevice } from '../gpu/test-device';
import { openNodeFolder } from '../io/node-files';
import { STORIES260K } from '../testing/fixtures';
import { CancelledError } from './cancel';
import { openSession, type EngineSession } from './session';

const MODEL = STORIES260K;

describe('latency progress', () => {
  let s: EngineSession;
  beforeAll(async () => {
    const { device } = await testDevice();
    s = await openSession(device, await openNodeFolder(MODEL));
  });

  it('reports each timed run, and stops where the callback throws', async () => {
    const seen: number[] = [];
    const l = await s.latency(null, (p) => {
      expect(p).toMatchObject({ phase: 'latency', total: 11, unit: 'steps' });
      seen.push(p.done);
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(l.decodeMsPerToken).toBeGreaterThan(0);

    const before = s.gpu.memory().allocatedBytes;
    let calls = 0;
    await expect(
      s.latency(null, () => {
        if (++calls === 5) throw new CancelledError('latency'); // the first decode step
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(5);
    expect(s.gpu.memory().allocatedBytes).toBe(before); // scratch and KV cache freed
  });

  it('streamed: reports its prefill passes, no decode', async () => {
    const p = s.summary().placement;
    const { device } = await testDevice();
    // (not disposed: dispose() destroys the device, which this process shares)
    const streamed = await openSession(device, await openNodeFolder(MODEL), { gpuMemoryBytes: Math.round((p.residentNeedBytes + p.streamedNeedBytes) / 2) });
    expect(streamed.summary().placement.mode).toBe('streamed');
    const seen: number[] = [];
    const l = await streamed.latency(null, (q) => seen.push(q.total * 100 + q.done));
    expect(seen).toEqual([401, 402, 403, 404]);
    expect(l.decodeMsPerToken).toBeNull();
  });
});
