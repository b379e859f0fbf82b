// Shape checks shared by op wrappers; each throws ShapeError naming the op.
import { ShapeError } from '../errors';
import { numel, type Tensor } from '../tensor';

/** Asserts t is 2-D and returns [rows, cols]. */
export function dims2(op: string, name: string, t: Tensor): [number, number] {
  if (t.shape.length !== 2) throw new ShapeError(op, `${name} must be 2-D`, { [name]: t.shape });
  return [t.shape[0], t.shape[1]];
}

export function expectNumel(op: string, name: string, t: Tensor, count: number): void {
  if (numel(t.shape) !== count) throw new ShapeError(op, `${name} must have ${count} elements`, { [name]: t.shape });
}

export function expectSameShape(op: string, a: [string, Tensor], b: [string, Tensor]): void {
  const same = a[1].shape.length === b[1].shape.length && a[1].shape.every((d, i) => d === b[1].shape[i]);
  if (!same) throw new ShapeError(op, `${a[0]} and ${b[0]} must have the same shape`, { [a[0]]: a[1].shape, [b[0]]: b[1].shape });
}

/** A u32 buffer must hold at least `count` values. */
export function expectU32(op: string, name: string, buf: GPUBuffer, count: number): void {
  if (buf.size < count * 4) throw new ShapeError(op, `${name} holds ${buf.size / 4} u32 values, needs ${count}`);
}

/** WebGPU forbids binding one buffer as writable and readable in the same dispatch. */
export function expectDistinct(op: string, named: Record<string, GPUBuffer>): void {
  const seen = new Map<GPUBuffer, string>();
  for (const [name, buf] of Object.entries(named)) {
    const other = seen.get(buf);
    if (other) throw new ShapeError(op, `${name} and ${other} share one buffer; the output must be a separate tensor`);
    seen.set(buf, name);
  }
}
