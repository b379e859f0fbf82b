import { describe, expect, it } from 'vitest';
import { unzipSync, strFromU8 } from 'fflate';
import { createZipOutput } from './zip-output';

describe('createZipOutput', () => {
  it('writes stored and deflated entries, chunk by chunk, under a prefix', async () => {
    const out = createZipOutput('m/');
    const weights = out.folder.create('model.safetensors');
    const config = await out.folder.create('config.json');
    const w = await weights;
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 255);
    const buf = new Uint8Array(10_000);
    for (let s = 0; s < bytes.length; s += buf.length) {
      buf.set(bytes.subarray(s, s + buf.length));
      await w.write(buf.subarray(0, Math.min(buf.length, bytes.length - s))); // buffer reused on purpose
    }
    await config.write(new TextEncoder().encode('{"vocab_size": 400}'));
    await config.close();
    await w.close();
    const zip = await out.finish();
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['m/config.json', 'm/model.safetensors']);
    expect(strFromU8(files['m/config.json'])).toBe('{"vocab_size": 400}');
    expect(files['m/model.safetensors']).toEqual(bytes);
  });

  it('refuses to finish while a file is open', async () => {
    const out = createZipOutput();
    await out.folder.create('a.json');
    await expect(out.finish()).rejects.toThrow(/still open: a.json/);
  });
});
