#!/usr/bin/env bash
# Packs what `bench-quality` needs on the H200 machine into .qbench/ (git-ignored through
# .git/info/exclude): the bundled CLI, the webgpu package reduced to Linux x64 Dawn, and
# the corpora and the named models from the benchmark data folder (DATA, default ../shared),
# xz-compressed so one call stays under the 64 MiB carry limit with .gpu/node.xz (../shared
# does not exist there). The PyTorch reference figures travel as tracked files (bench/reference).
# Usage (repo root): scripts/bench/pack-h200.sh stories260K [llama-10m ...]
# Then, on the device: scripts/bench/run-h200.sh MODELS, with .gpu .gl .qbench carried
# (the shared data folder's GPU-MACHINE.md makes .gpu/node.xz and .gl). One of llama-10m / qwen2-14m per call.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=$(cd "${DATA:-${SHARED:-../shared}}" && pwd)
grep -qx '/.qbench/' .git/info/exclude || echo '/.qbench/' >> .git/info/exclude
rm -rf .qbench && mkdir -p .qbench
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
node --input-type=module -e "import { buildCli } from './scripts/build-cli.mjs'; await buildCli('.qbench/cli.mjs');"
mkdir -p "$stage/node_modules/webgpu/dist/linux-x64" "$stage/shared/models" "$stage/shared/corpora"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$stage/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$stage/node_modules/webgpu/dist/linux-x64/"
cp "$SHARED"/corpora/wikitext2-test.raw "$SHARED"/corpora/tinystories-heldout.txt "$stage/shared/corpora/"
for m in "$@"; do cp -r "$SHARED/models/$m" "$stage/shared/models/"; done
tar -C "$stage" -cf - node_modules shared | xz -T2 -6 > .qbench/files.tar.xz
du -sh .qbench/*
