// Bundles a research entry (TypeScript) into one ESM file with the CLI's esbuild settings.
import { build } from 'esbuild';
import { rawPlugin } from '../build-cli.mjs';
const [entry, outfile] = process.argv.slice(2);
await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'warning', external: ['webgpu'], plugins: [rawPlugin],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
