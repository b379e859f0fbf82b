// Kernels that read weights in their stored 16-bit dtype (bf16/f16 packed two per u32) must give
// exactly what the same kernel gives over the f32-decoded weights: the unpack is exact and the
// summation order is unchanged, so the allowed difference is 0.
import { describe, expect, it } from 'vitest';
import { decodeToF32 } from '../../io/dtype-decode';
import { encodeFromF32, f32ToBf16Bits, f32ToF16Bits } from '../../io/dtype-encode';
import type { Gpu } from '../context';
import type { TensorDtype } from '../tensor';
import { embedding } from './embedding';
import { gatherCols, gatherRows } from './gather';
import { matmul, type MatmulKernel } from './matmul';
import { maxAbsDiff, randomArray, rng, testGpu } from './test-utils';

const ST = { bf16: 'BF16', f16: 'F16' } as const;

/** Random weights as stored 16-bit bytes, and the same values decoded to f32. */
function weights(n: number, seed: number, dtype: 'bf16' | 'f16'): { bytes: Uint8Array; f32: Float32Array } {
  const bytes = encodeFromF32(randomArray(n, seed, -2, 2), ST[dtype]);
  return { bytes, f32: decodeToF32(bytes, ST[dtype]) };
}

async function runMatmul(gpu: Gpu, x: Float32Array, T: number, Kd: number, N: number, w: { shape: number[]; dtype: TensorDtype; bytes?: Uint8Array; f32?: Float32Array }, kernel: MatmulKernel, bias?: Float32Array) {
  const xt = gpu.tensor([T, Kd], 'x', x);
  const wt = w.dtype === 'f32' ? gpu.tensor(w.shape, 'w', w.f32) : gpu.weight(w.shape, w.dtype, 'w', w.bytes);
  const out = gpu.tensor([T, N + 3], 'out', new Float32Array(T * (N + 3)).fill(5));
  const rec = gpu.recorder();
  matmul(gpu, rec, xt, wt, out, { kernel, outColOffset: 1, bias: bias && gpu.tensor([N], 'b', bias) });
  rec.submit();
  return gpu.read(out);
}

describe('16-bit packed weights', () => {
  const cases: Array<[string, number, number, number, MatmulKernel]> = [
    ['matvec', 3, 37, 64, 'auto'],
    ['naive Kd=13 (odd rows, unaligned groups)', 5, 11, 13, 'auto'],
    ['tile64', 33, 70, 36, 'tile64'],
    ['tile128', 130, 131, 44, 'tile128'],
  ];
  for (const dtype of ['bf16', 'f16'] as const) {
    it.each(cases)(`matmul %s with ${dtype} weights equals the f32 kernel over the decoded weights (diff 0)`, async (_name, T, N, Kd, kernel) => {
      const gpu = await testGpu();
      const x = randomArray(T * Kd, T + Kd);
      const w = weights(N * Kd, N * 3 + Kd, dtype);
      const bias = randomArray(N, 9);
      const packed = await runMatmul(gpu, x, T, Kd, N, { shape: [N, Kd], dtype, bytes: w.bytes }, kernel, bias);
      const plain = await runMatmul(gpu, x, T, Kd, N, { shape: [N, Kd], dtype: 'f32', f32: w.f32 }, kernel, bias);
      const d = maxAbsDiff(packed, plain);
      console.log(`${dtype} matmul T=${T} N=${N} Kd=${Kd} ${kernel}: max |packed - f32| ${d}`);
      expect(d).toBe(0);
    });
  }

  it.each(['bf16', 'f16'] as const)('embedding from a %s table (two row blocks, odd D) equals the decoded rows', async (dtype) => {
    const gpu = await testGpu();
    const [V, D, T] = [9, 7, 12];
    const w = weights(V * D, 4, dtype);
    const r = rng(5);
    const ids = Uint32Array.from({ length: T }, () => Math.floor(r() * V));
    const out = gpu.tensor([T, D], 'out');
    const rec = gpu.recorder();
    const split = 5; // rows [0, 5) and [5, 9) in separate tables
    const bytesPerRow = D * 2;
    embedding(gpu, rec, gpu.weight([split, D], dtype, 'e0', w.bytes.subarray(0, split * bytesPerRow)), gpu.u32Buffer(ids, 'ids'), out, { scale: 1.5 });
    embedding(gpu, rec, gpu.weight([V - split, D], dtype, 'e1', w.bytes.subarray(split * bytesPerRow)), gpu.u32Buffer(ids, 'ids1'), out, { scale: 1.5, rowOffset: split });
    rec.submit();
    const got = await gpu.read(out);
    const ref = new Float32Array(T * D);
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) ref[t * D + d] = Math.fround(w.f32[ids[t] * D + d] * 1.5);
    expect(maxAbsDiff(got, ref)).toBe(0);
  });

  it.each(['bf16', 'f16'] as const)('gatherRows / gatherCols keep %s bytes exactly (odd widths)', async (dtype) => {
    const gpu = await testGpu();
    const [R, C] = [7, 5];
    const w = weights(R * C, 11, dtype);
    const src = gpu.weight([R, C], dtype, 'src', w.bytes);
    const rows = Uint32Array.of(6, 0, 3);
    const cols = Uint32Array.of(4, 1, 2);
    const outRows = gpu.weight([rows.length, C], dtype, 'rows');
    const outCols = gpu.weight([R, cols.length], dtype, 'cols');
    const rec = gpu.recorder();
    gatherRows(gpu, rec, src, gpu.u32Buffer(rows, 'ri'), outRows);
    gatherCols(gpu, rec, src, gpu.u32Buffer(cols, 'ci'), outCols);
    rec.submit();
    const u16 = (b: Uint8Array) => new Uint16Array(b.slice().buffer);
    const srcBits = u16(w.bytes);
    expect(Array.from(u16(await gpu.readRaw(outRows)))).toEqual(Array.from(rows).flatMap((r) => Array.from(srcBits.subarray(r * C, (r + 1) * C))));
    const colRef: number[] = [];
    for (let r = 0; r < R; r++) for (const c of cols) colRef.push(srcBits[r * C + c]);
    expect(Array.from(u16(await gpu.readRaw(outCols)))).toEqual(colRef);
  });

  it('f16 specials (subnormals, infinities, NaN, -0) are unpacked exactly (fixed case, through embedding)', async () => {
    const gpu = await testGpu();
    // bits: smallest subnormal, largest subnormal, smallest normal, 1, -2, 65504, +inf, -inf, NaN, -0, 0.5, 2^-20
    const bits = Uint16Array.of(0x0001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3800, 0x0010);
    const bytes = new Uint8Array(bits.buffer);
    const out = gpu.tensor([1, bits.length], 'out');
    const rec = gpu.recorder();
    embedding(gpu, rec, gpu.weight([1, bits.length], 'f16', 'specials', bytes), gpu.u32Buffer(Uint32Array.of(0), 'id'), out);
    rec.submit();
    const got = Array.from(await gpu.read(out));
    const want = Array.from(decodeToF32(bytes, 'F16'));
    expect(got.map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v))).toEqual(want.map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v)));
    expect(want[0]).toBe(2 ** -24);
  });

  it('encoders round to nearest even like torch (fixed cases)', () => {
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties to even (1.0)
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // rounds to infinity
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(-0.5)).toBe(0xb800);
  });
});

describe('decode matvec', () => {
  it.each([
    [1, 32000, 128, 'bf16'],
    [8, 77, 36, 'f32'],
    [5, 130, 172, 'f16'],
  ] as const)('T=%i N=%i Kd=%i %s: the subgroup kernel and the workgroup-memory kernel match the CPU reference', async (T, N, Kd, dtype) => {
    const gpu = await testGpu();
    const x = randomArray(T * Kd, T + 1);
    const w = dtype === 'f32' ? { bytes: undefined, f32: randomArray(N * Kd, N) } : weights(N * Kd, N, dtype);
    const bias = randomArray(N, 2);
    const ref = new Float32Array(T * (N + 3)).fill(5);
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < Kd; k++) s += x[t * Kd + k] * w.f32[n * Kd + k];
        ref[t * (N + 3) + 1 + n] = s + bias[n];
      }
    }
    const spec = { shape: [N, Kd], dtype, bytes: w.bytes, f32: w.f32 };
    for (const kernel of ['auto', 'matvec-shared'] as const) {
      const got = await runMatmul(gpu, x, T, Kd, N, spec, kernel, bias);
      const d = maxAbsDiff(got, ref);
      console.log(`matvec ${kernel}${kernel === 'auto' && gpu.hasSubgroups ? ' (subgroups)' : ''} T=${T} N=${N} Kd=${Kd} ${dtype}: max |diff| vs f64 reference ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-5 * Math.sqrt(Kd) * 4);
    }
  });
});

describe('matmul accumulate (the fused residual add)', () => {
  it.each([
    [3, 37, 64, 'auto'],
    [33, 70, 36, 'tile64'],
    [130, 131, 44, 'tile128'],
    [5, 11, 13, 'auto'],
  ] as const)('T=%i N=%i Kd=%i %s: out += x w^T + bias gives prior + the plain result, bit for bit', async (T, N, Kd, kernel) => {
    const gpu = await testGpu();
    const x = randomArray(T * Kd, 3);
    const w = weights(N * Kd, 4, 'bf16');
    const bias = randomArray(N, 5);
    const prior = randomArray(T * N, 6);
    const plain = await runMatmul(gpu, x, T, Kd, N, { shape: [N, Kd], dtype: 'bf16', bytes: w.bytes }, kernel, bias);
    const out = gpu.tensor([T, N], 'acc', prior);
    const rec = gpu.recorder();
    matmul(gpu, rec, gpu.tensor([T, Kd], 'x', x), gpu.weight([N, Kd], 'bf16', 'w', w.bytes), out, { kernel, bias: gpu.tensor([N], 'b', bias), accumulate: true });
    rec.submit();
    const got = await gpu.read(out);
    const want = new Float32Array(T * N);
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) want[t * N + n] = Math.fround(prior[t * N + n] + plain[t * (N + 3) + 1 + n]);
    expect(maxAbsDiff(got, want)).toBe(0);
  });
});
