#!/usr/bin/env bash
# Packs what `bench-quality` needs on the H200 machine into .qbench/ (git-ignored through
# .git/info/exclude): the bundled CLI, the webgpu package reduced to Linux x64 Dawn, and
# the shared corpora, anchors and the named models (../shared does not exist there).
# Usage (repo root): scripts/bench/pack-h200.sh stories260K [llama-10m ...]
# Then run scripts/bench/run-h200.sh there with .gpu, .gl and .qbench carried
# (see ../shared/GPU-MACHINE.md for .gpu/node.xz and .gl).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
grep -qx '/.qbench/' .git/info/exclude || echo '/.qbench/' >> .git/info/exclude
rm -rf .qbench && mkdir -p .qbench/node_modules/webgpu/dist/linux-x64 .qbench/shared/models .qbench/shared/corpora .qbench/shared/anchors
node --input-type=module -e "import { buildCli } from './scripts/build-cli.mjs'; await buildCli('.qbench/cli.mjs');"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .qbench/node_modules/webgpu/
cp node_modules/webgpu/dist/linux-x64/dawn.node .qbench/node_modules/webgpu/dist/linux-x64/
cp "$SHARED"/corpora/wikitext2-test.raw "$SHARED"/corpora/tinystories-heldout.txt .qbench/shared/corpora/
cp "$SHARED"/anchors/quality-*.json .qbench/shared/anchors/
for m in "$@"; do cp -r "$SHARED/models/$m" .qbench/shared/models/; done
du -sh .qbench
