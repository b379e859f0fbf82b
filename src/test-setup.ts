// Vitest setup: a test during which the WebGPU device reported an uncaptured error fails.
import { afterEach, expect } from 'vitest';
import { takeUncapturedErrors } from './gpu/test-device';

afterEach(async () => {
  // errors surface asynchronously: let queued device callbacks run first
  await new Promise((r) => setTimeout(r, 0));
  const errors = takeUncapturedErrors();
  expect(errors, 'uncaptured WebGPU errors during this test').toEqual([]);
});
