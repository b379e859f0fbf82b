// Test helper (Node): one shared device per test process.
import { acquireDevice, type AcquiredDevice } from './device';
import { nodeGpu } from './node-device';

let acquired: Promise<AcquiredDevice> | undefined;

export function testDevice(): Promise<AcquiredDevice> {
  acquired ??= nodeGpu().then((gpu) =>
    acquireDevice(gpu, (e) => {
      throw new Error(`Uncaptured WebGPU error: ${e.message}`);
    }),
  );
  return acquired;
}
