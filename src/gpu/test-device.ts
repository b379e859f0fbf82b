// Test helper (Node): one shared device per test process. Uncaptured WebGPU errors (an invalid
// shader, a bad binding) are collected and fail the test that caused them (src/test-setup.ts),
// so a kernel that never ran cannot pass by comparing two untouched buffers.
import { acquireDevice, type AcquiredDevice } from './device';
import { nodeGpu } from './node-device';

let acquired: Promise<AcquiredDevice> | undefined;
const uncaptured: string[] = [];

export function testDevice(): Promise<AcquiredDevice> {
  acquired ??= nodeGpu().then((gpu) => acquireDevice(gpu, (e) => void uncaptured.push(e.message)));
  return acquired;
}

/** Errors the device reported since the last call (and forgets them). */
export function takeUncapturedErrors(): string[] {
  return uncaptured.splice(0);
}
