// A GPU tensor: contiguous row-major, one GPUBuffer. Activations are f32; weights may stay in
// their stored 16-bit dtype, packed two per u32 (element 2i in the low half of word i), and are
// unpacked to f32 inside the kernels that read them. Shapes use the project's letters
// (T tokens, D hidden, H heads, K kv heads, E head dim, I ffn, V vocab).

export type TensorDtype = 'f32' | 'bf16' | 'f16';

export interface Tensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly label: string;
  /** element type in the buffer; absent means f32. */
  readonly dtype?: TensorDtype;
}

export function dtypeOf(t: Tensor): TensorDtype {
  return t.dtype ?? 'f32';
}

export function elementBytes(dtype: TensorDtype): number {
  return dtype === 'f32' ? 4 : 2;
}

/** Number of elements of a shape (1 for a scalar shape []). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes a tensor's buffer holds: its elements, padded to 16 so kernels may read whole vec4 / 4-element groups. */
export function bufferBytes(shape: readonly number[], dtype: TensorDtype): number {
  return Math.max(16, Math.ceil((numel(shape) * elementBytes(dtype)) / 16) * 16);
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
