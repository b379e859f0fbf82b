#!/usr/bin/env node
// `npx compact-studio ...` from the repo root: bundle the TypeScript CLI with
// esbuild when any source is newer than the cached bundle, then run it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const bundle = join(root, 'node_modules', '.cache', 'compact-studio', 'cli.mjs');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const sourcesMtime = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'shaders')));
if (!existsSync(bundle) || statSync(bundle).mtimeMs < sourcesMtime) {
  const { buildCli } = await import(pathToFileURL(join(root, 'scripts', 'build-cli.mjs')).href);
  await buildCli(bundle);
}
await import(pathToFileURL(bundle).href);
