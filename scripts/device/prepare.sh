#!/usr/bin/env bash
# Local side of an H200 run (the shared data folder's GPU-MACHINE.md): builds .devnode/ (git-ignored) with
# the bundled CLI, the `webgpu` package reduced to what Node needs (dawn.node xz-compressed),
# the corpora, and xz tarballs of the shared models named as arguments.
# Carry with the run tool: [".gpu", ".gl", ".devnode"]  (.gpu/node.xz and .gl/*.deb: GPU-MACHINE.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .devnode && mkdir -p .devnode/node_modules/webgpu/dist/linux-x64 .devnode/models .devnode/corpora
node -e "import('./scripts/build-cli.mjs').then(m => m.buildCli('.devnode/cli.mjs'))"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .devnode/node_modules/webgpu/
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .devnode/node_modules/webgpu/dist/linux-x64/dawn.node.xz
cp ../shared/corpora/*.txt ../shared/corpora/*.raw .devnode/corpora/
for m in "$@"; do tar -C ../shared/models -cf - "$m" | xz -T2 -3 > ".devnode/models/$m.tar.xz"; done
du -sh .gpu .gl .devnode
