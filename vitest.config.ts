import { defineConfig } from 'vitest/config';

// Unit and GPU kernel tests run in Node; GPU tests get a real device from the
// `webgpu` package (Dawn; SwiftShader on CPU machines). Forks, not threads:
// Dawn's native addon is process-global.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
