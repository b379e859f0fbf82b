import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Shaders are imported as strings with `?raw`; the engine runs in a module worker.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { fs: { allow: ['.', '../shared'] } },
});
