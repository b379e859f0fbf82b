// The tensor-core (fast mode) matmul where the device has subgroup matrices; elsewhere the same
// calls must fall back to the exact kernels and still pass (the checks run on the H200 through
// `compact-studio selftest`, see docs/bench).
import { describe, expect, it } from 'vitest';
import { fastMatmulChecks } from './kernel-checks';
import { stageF16 } from './matmul';
import { testGpu } from './test-utils';
import { decodeToF32 } from '../../io/dtype-decode';
import { f32ToBf16Bits } from '../../io/dtype-encode';

describe('fast-mode matmul', () => {
  it('matches the f64 reference within f16 rounding (rows beyond the f16 range included)', async () => {
    const gpu = await testGpu();
    const checks = await fastMatmulChecks(gpu);
    for (const c of checks) console.log(`${c.name}: worst error / tolerance ${c.worstRatio.toFixed(3)}, max |diff| ${c.maxAbsDiff.toExponential(2)} (${c.note})`);
    for (const c of checks) expect(c.ok, c.name).toBe(true);
  });
});

describe('row scales for the fast matmul', () => {
  it('picks the largest power of two that keeps each row within 16384 (down for big rows, up for small ones)', async () => {
    const gpu = await testGpu();
    if (!gpu.hasSubgroups) return; // needs subgroups (SwiftShader and GPUs have them)
    const K = 36;
    const peaks = [0, 1, 16384, 16385, 65504, 1e5, 3e7, -2e5, 3e-3, 1e-30];
    const x = new Float32Array(peaks.length * K);
    peaks.forEach((p, t) => {
      if (t === 0) for (let k = 0; k < K; k++) x[t * K + k] = ((k % 5) - 2) * 0.01; // peak 0: the row's max is 0.02
      x[t * K + (t * 5) % K] = p;
    });
    x[9 * K + 1] = 0; // an all-zero row but for its peak
    const scale = gpu.u32Buffer(peaks.length + 1, 'scale');
    const rec = gpu.recorder();
    const { recordRowScales } = await import('./matmul');
    const rows = new Float32Array((peaks.length + 1) * K);
    rows.set(x); // and one all-zero row at the end
    recordRowScales(gpu, rec, gpu.tensor([peaks.length + 1, K], 'x', rows), scale);
    rec.submit();
    const got = Array.from(new Float32Array((await gpu.readU32(scale, peaks.length + 1)).buffer));
    const rowMax = (t: number) => Math.max(...Array.from(rows.subarray(t * K, (t + 1) * K), Math.abs));
    const want = got.map((_, t) => (rowMax(t) === 0 ? 1 : 2 ** Math.min(64, Math.max(-126, Math.floor(Math.log2(16384 / rowMax(t)))))));
    console.log('row scales', got.join(' '));
    expect(got).toEqual(want);
    expect(got[0]).toBe(2 ** 19); // 0.02 * 2^19 = 10486
    expect(got[2]).toBe(1);
    expect(got[3]).toBe(0.5);
    expect(got[9]).toBe(2 ** 64); // capped
    expect(got[peaks.length]).toBe(1);
    for (let t = 0; t <= peaks.length; t++) expect(rowMax(t) * got[t]).toBeLessThanOrEqual(16384);
  });
});

describe('operand staging for the tensor-core matmul (to_f16.wgsl)', () => {
  const f16 = (bits: Uint16Array) => decodeToF32(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength), 'F16');
  /** v with its f32 significand cut to 11 bits (what the kernel stores as hi) */
  const cut = (v: number) => {
    const b = new Float32Array([v]);
    new Uint32Array(b.buffer)[0] &= 0xffffe000;
    return b[0];
  };

  it('stages f32 rows as hi + lo (22 bits), clamped, zero-padded; bf16 weights exactly', async () => {
    const gpu = await testGpu();
    const [R, K, Rp, Kp] = [5, 36, 9, 48];
    const x = Float32Array.from({ length: R * K }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 7) - 3));
    x[3] = 1e6; // clamped to 65504 (its row scale is 1 here: no scale buffer)
    x[K + 5] = -2e-7; // f16 subnormal range: hi is not exact there, only close
    const wBits = Uint16Array.from({ length: R * K }, (_, i) => f32ToBf16Bits(Math.cos(i) * 0.05));
    const w = decodeToF32(new Uint8Array(wBits.buffer), 'BF16');
    const xt = gpu.tensor([R, K], 'x', x);
    const wt = gpu.weight([R, K], 'bf16', 'w', new Uint8Array(wBits.buffer));
    const [xh, xl, wh] = ['xh', 'xl', 'wh'].map((n) => gpu.u32Buffer((Rp * Kp) / 2, n));
    const rec = gpu.recorder();
    stageF16(gpu, rec, xt, Rp, Kp, xh, xl, null);
    stageF16(gpu, rec, wt, Rp, Kp, wh, null, null);
    rec.submit();
    const [hi, lo, wgot] = await Promise.all([xh, xl, wh].map(async (b) => f16(new Uint16Array((await gpu.readU32(b, (Rp * Kp) / 2)).buffer))));
    let worstRel = 0;
    for (let r = 0; r < Rp; r++) {
      for (let k = 0; k < Kp; k++) {
        const i = r * Kp + k;
        if (r >= R || k >= K) {
          expect([hi[i], lo[i], wgot[i]], `padding at ${r},${k}`).toEqual([0, 0, 0]);
          continue;
        }
        const v = Math.max(-65504, Math.min(65504, x[r * K + k]));
        if (Math.abs(v) >= 2 ** -14) expect(hi[i], `hi at ${r},${k}`).toBe(cut(v)); // exact: f16 holds 11 significant bits
        // 22 bits, but lo has f16's subnormal spacing 2^-24 (row scales put a row's max near 2^14, far above)
        worstRel = Math.max(worstRel, Math.abs(hi[i] + lo[i] - v) / (2 ** -21 * Math.abs(v) + 2 ** -24));
        expect(wgot[i], `w at ${r},${k}`).toBe(w[r * K + k]);
      }
    }
    console.log(`staged hi + lo: worst error / (2^-21 |v| + 2^-24) = ${worstRel.toFixed(3)}`);
    expect(worstRel).toBeLessThanOrEqual(1);
    for (const t of [xt, wt]) gpu.destroy(t);
  });
});
