import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors';
import { convertToF32, type RawDtype } from './convert';
import { convertToF32Ref } from './cpu-reference';
import { maxAbsDiff, rng, testGpu } from './test-utils';

function rawBuffer(gpu: Awaited<ReturnType<typeof testGpu>>, bytes: Uint8Array): GPUBuffer {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  return gpu.u32Buffer(new Uint32Array(padded.buffer), 'raw');
}

describe('convertToF32', () => {
  it.each<[RawDtype, number]>([
    ['F16', 1],
    ['F16', 333],
    ['BF16', 257],
    ['F32', 101],
  ])('%s x %i random bit patterns decode exactly (nan, inf, subnormals included)', async (dtype, count) => {
    const gpu = await testGpu();
    const r = rng(count);
    const width = dtype === 'F32' ? 4 : 2;
    const bytes = Uint8Array.from({ length: count * width }, () => Math.floor(r() * 256));
    const out = gpu.tensor([count], 'out');
    const rec = gpu.recorder();
    convertToF32(gpu, rec, rawBuffer(gpu, bytes), dtype, count, out);
    rec.submit();
    const got = await gpu.read(out);
    const ref = convertToF32Ref(bytes, dtype, count);
    const d = maxAbsDiff(got, ref);
    console.log(`convert ${dtype} x${count}: max abs diff ${d}`);
    expect(d).toBe(0);
  });

  it('fixed case: F16 specials 1, -2, 65504, 2^-24, -0, inf, -inf, nan; BF16 1.5', async () => {
    const gpu = await testGpu();
    const halves = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00);
    const out = gpu.tensor([8], 'out');
    const bf = gpu.tensor([1], 'bf');
    const rec = gpu.recorder();
    convertToF32(gpu, rec, rawBuffer(gpu, new Uint8Array(halves.buffer)), 'F16', 8, out);
    convertToF32(gpu, rec, rawBuffer(gpu, new Uint8Array(Uint16Array.of(0x3fc0).buffer)), 'BF16', 1, bf);
    rec.submit();
    expect(Array.from(await gpu.read(out))).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity, NaN]);
    expect((await gpu.read(bf))[0]).toBe(1.5);
  });

  it('throws ShapeError when the raw buffer or output is too small', async () => {
    const gpu = await testGpu();
    const rec = gpu.recorder();
    expect(() => convertToF32(gpu, rec, gpu.u32Buffer(2, 'raw'), 'F16', 5, gpu.tensor([5], 'o'))).toThrow(ShapeError);
    expect(() => convertToF32(gpu, rec, gpu.u32Buffer(8, 'raw'), 'F32', 5, gpu.tensor([4], 'o'))).toThrow(ShapeError);
  });
});
