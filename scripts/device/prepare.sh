#!/usr/bin/env bash
# Local side of an H200 run (../shared/GPU-MACHINE.md): builds .devnode/ (git-ignored) with
# the bundled CLI, the `webgpu` package reduced to what Node needs (dawn.node xz-compressed)
# and xz tarballs of the shared models named as arguments (without tokenizer.json: the same
# files travel with the repo in fixtures/tokenizers/<name>/, and env.sh puts them back).
# Carry with the run tool: [".gpu", ".gl", ".devnode"]  (.gpu/node.xz and .gl/*.deb: GPU-MACHINE.md;
# 64 MiB in all with the tracked files: about 16 MB of repo, 22 MB of Node, 5 MB of Dawn)
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .devnode && mkdir -p .devnode/node_modules/webgpu/dist/linux-x64 .devnode/models
node -e "import('./scripts/build-cli.mjs').then(m => m.buildCli('.devnode/cli.mjs'))"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .devnode/node_modules/webgpu/
xz -T2 -9e -c node_modules/webgpu/dist/linux-x64/dawn.node > .devnode/node_modules/webgpu/dist/linux-x64/dawn.node.xz
for m in "$@"; do tar -C ../shared/models --exclude tokenizer.json -cf - "$m" | xz -T2 -9e > ".devnode/models/$m.tar.xz"; done
du -sh .gpu .gl .devnode
