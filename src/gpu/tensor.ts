// A GPU tensor: f32, contiguous row-major, one GPUBuffer. Shapes use the
// project's letters (T tokens, D hidden, H heads, K kv heads, E head dim, I ffn, V vocab).

export interface Tensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly label: string;
}

/** Number of elements of a shape (1 for a scalar shape []). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
