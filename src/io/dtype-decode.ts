// CPU decoding of raw little-endian tensor bytes to f32 (for CPU-side scores and tests;
// the GPU path converts in a shader).
import type { StDtype } from './safetensors';

export function decodeToF32(bytes: Uint8Array, dtype: StDtype): Float32Array {
  const n = bytes.byteLength / bytesPerElement(dtype);
  if (dtype === 'F32') {
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const halfs = new Uint16Array(n);
  new Uint8Array(halfs.buffer).set(bytes);
  const out = new Float32Array(n);
  if (dtype === 'BF16') {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u[i] = halfs[i] << 16;
    return out;
  }
  if (dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(halfs[i]);
    return out;
  }
  throw new Error(`cannot decode dtype ${dtype}`);
}

export function bytesPerElement(dtype: string): number {
  switch (dtype) {
    case 'F32': case 'I32': case 'U32': return 4;
    case 'F16': case 'BF16': case 'I16': case 'U16': return 2;
    case 'F64': case 'I64': case 'U64': return 8;
    default: return 1;
  }
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
