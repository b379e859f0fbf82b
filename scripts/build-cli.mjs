// Bundles the Node CLI (src/cli/main.ts) into one ESM file with esbuild.
// WGSL `?raw` imports become strings, as Vite does for the browser build.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export const rawPlugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/\?raw$/, '')),
      namespace: 'raw',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

export async function buildCli(outfile, { external = ['webgpu'] } = {}) {
  await build({
    entryPoints: [resolve(import.meta.dirname, '../src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external,
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [rawPlugin],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? resolve(import.meta.dirname, '../dist/cli.mjs');
  await buildCli(out);
  console.log(`built ${out}`);
}
