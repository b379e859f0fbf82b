// Typed GPU-layer errors; each message says what went wrong and what to do.
import { shapeString } from './tensor';

/** An op was called with tensors whose shapes do not fit together. */
export class ShapeError extends Error {
  constructor(
    readonly op: string,
    readonly problem: string,
    readonly shapes: Record<string, readonly number[]> = {},
  ) {
    const listed = Object.entries(shapes)
      .map(([name, s]) => `${name}=${shapeString(s)}`)
      .join(' ');
    super(`${op}: ${problem}${listed ? ` (${listed})` : ''}. Fix the caller's shapes or views before dispatching.`);
    this.name = 'ShapeError';
  }
}

/** A tensor larger than one storage binding allows; the caller must split it. */
export class TensorTooLargeError extends Error {
  constructor(
    readonly label: string,
    readonly bytes: number,
    readonly maxBindingBytes: number,
  ) {
    super(
      `${label}: ${bytes} bytes exceeds maxStorageBufferBindingSize ${maxBindingBytes}. ` +
        'Split it into blocks (matmul outColOffset for column blocks, embedding rowOffset for row blocks).',
    );
    this.name = 'TensorTooLargeError';
  }
}

/** The device could not allocate memory for a buffer. */
export class GpuOutOfMemoryError extends Error {
  constructor(
    readonly label: string,
    readonly bytes: number,
    detail: string,
  ) {
    super(`${label}: out of GPU memory allocating ${bytes} bytes (${detail}). Free tensors, use a smaller calibration set, or run layer by layer.`);
    this.name = 'GpuOutOfMemoryError';
  }
}

/** The device was lost (driver reset, tab backgrounded, destroy()). */
export class DeviceLostError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(`WebGPU device lost (${reason}): ${detail}. Reload the page or restart the command to get a new device.`);
    this.name = 'DeviceLostError';
  }
}
