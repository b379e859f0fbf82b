import { describe, expect, it } from 'vitest';
import { testDevice } from './test-device';

describe('device', () => {
  it('acquires a Node WebGPU device with real limits', async () => {
    const { device, info } = await testDevice();
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 << 20);
    console.log('adapter:', info.vendor, info.architecture, 'maxStorageBufferBindingSize', info.maxStorageBufferBindingSize);
  });
});
