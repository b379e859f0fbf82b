import { describe, expect, it } from 'vitest';
import { EngineCallError, EngineClient, type WorkerPort } from './client';
import type { CallMessage, ResponseMessage } from './protocol';
import type { Progress } from '../engine/types';

/** A port that answers requests with a scripted worker. */
function fakePort(answer: (req: CallMessage, send: (m: ResponseMessage) => void) => void) {
  const listeners: ((ev: MessageEvent<ResponseMessage>) => void)[] = [];
  const send = (m: ResponseMessage) => queueMicrotask(() => listeners.forEach((fn) => fn({ data: m } as MessageEvent<ResponseMessage>)));
  const port: WorkerPort = {
    postMessage: (req) => {
      if (req.kind === 'request') answer(req, send);
    },
    addEventListener: ((type: string, fn: (ev: MessageEvent<ResponseMessage>) => void) => {
      if (type === 'message') listeners.push(fn);
    }) as WorkerPort['addEventListener'],
    terminate: () => {},
  };
  return { port, send };
}

describe('EngineClient', () => {
  it('routes progress and results by request id, out of order', async () => {
    const { port } = fakePort((req, send) => {
      if (req.call === 'plan') send({ kind: 'result', id: req.id, result: { vocabKeep: req.args.vocabKeep } });
      if (req.call === 'calibrate') {
        send({ kind: 'progress', id: req.id, progress: { phase: 'calibrate', done: 1, total: 2, unit: 'steps' } });
        setTimeout(() => send({ kind: 'result', id: req.id, result: { tokens: 7 } }), 5);
      }
    });
    const client = new EngineClient(port);
    const seen: Progress[] = [];
    const cal = client.call('calibrate', { text: 'x', opts: { samples: 1, sampleTokens: 8, vocabOrder: 'id', criterion: 'act2', closure: true } }, (p) => seen.push(p));
    const plan = await client.call('plan', { vocabKeep: 300, ffnKeep: 10 });
    expect(plan.vocabKeep).toBe(300);
    expect((await cal).tokens).toBe(7);
    expect(seen.map((p) => p.done)).toEqual([1]);
  });

  it('rejects with the typed worker error and reports device loss', async () => {
    const { port, send } = fakePort((req, s) =>
      s({ kind: 'error', id: req.id, error: { kind: 'file', message: 'model.safetensors: bad header', fix: 'Re-download it.', file: 'model.safetensors' } }),
    );
    const client = new EngineClient(port);
    const err = await client.call('close', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect((err as EngineCallError).detail.file).toBe('model.safetensors');
    const lost: string[] = [];
    client.onDeviceLost((e) => lost.push(e.kind));
    send({ kind: 'device-lost', error: { kind: 'device-lost', message: 'gone', fix: 'reload' } });
    await new Promise((r) => setTimeout(r, 1));
    expect(lost).toEqual(['device-lost']);
  });
});
