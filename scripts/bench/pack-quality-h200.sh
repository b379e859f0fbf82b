#!/usr/bin/env bash
# Packs what scripts/bench/quality-h200.sh needs on the H200 machine into .qrun/ (git-ignored
# through .git/info/exclude): the bundled CLI, Node and Dawn stripped of debug symbols (xz), and
# the weights of the named models from DATA (default ../shared). Tokenizers, configs, corpora and
# stories260K travel as tracked files (fixtures/), so only safetensors are packed.
# The carry limit (64 MiB with the tracked tree, about 16 MiB) fits llama-10m or qwen2-14m, not
# both: call it once per H200 run.
#   scripts/bench/pack-quality-h200.sh stories260K llama-10m     # run 1
#   scripts/bench/pack-quality-h200.sh qwen2-14m                 # run 2
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=$(cd "${DATA:-../shared}" && pwd)
exclude="$(git rev-parse --git-common-dir)/info/exclude"
grep -qx '/.qrun/' "$exclude" 2>/dev/null || echo '/.qrun/' >> "$exclude"
mkdir -p .qrun
rm -f .qrun/models.tar.xz .qrun/models.txt .qrun/cli.mjs.xz
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
node --input-type=module -e "import { buildCli } from './scripts/build-cli.mjs'; await buildCli('$stage/cli.mjs');"
xz -T2 -9 -c "$stage/cli.mjs" > .qrun/cli.mjs.xz
# Node and Dawn without debug symbols (kept between packs: they do not change with the models)
if [ ! -f .qrun/node.xz ]; then
  cp "$(readlink -f "$(command -v node)")" "$stage/node" && strip "$stage/node" && xz -T2 -9e -c "$stage/node" > .qrun/node.xz
fi
if [ ! -f .qrun/webgpu.tar.xz ]; then
  mkdir -p "$stage/webgpu/dist/linux-x64"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$stage/webgpu/"
  cp node_modules/webgpu/dist/linux-x64/dawn.node "$stage/webgpu/dist/linux-x64/" && strip "$stage/webgpu/dist/linux-x64/dawn.node"
  tar -C "$stage" -cf - webgpu | xz -T2 -9 > .qrun/webgpu.tar.xz
fi
mkdir -p "$stage/models"
for m in "$@"; do
  if [ -d "fixtures/$m" ]; then echo "$m" >> .qrun/models.txt; continue; fi  # travels tracked
  [ -d "fixtures/tokenizers/$m" ] || { echo "no fixtures/tokenizers/$m: its tokenizer and config must be tracked" >&2; exit 1; }
  mkdir -p "$stage/models/$m"
  cp "$DATA/models/$m"/*.safetensors "$stage/models/$m/"
  [ -f "$DATA/models/$m/model.safetensors.index.json" ] && cp "$DATA/models/$m/model.safetensors.index.json" "$stage/models/$m/"
  for f in config.json generation_config.json tokenizer_config.json tokenizer.json; do
    cmp -s "$DATA/models/$m/$f" "fixtures/tokenizers/$m/$f" || { echo "$DATA/models/$m/$f differs from fixtures/tokenizers/$m/$f" >&2; exit 1; }
  done
  echo "$m" >> .qrun/models.txt
done
tar -C "$stage" -cf - models | xz -T2 -6 > .qrun/models.tar.xz
du -sh .qrun/*
tracked=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
carried=$(du -cb .qrun $([ -d .gl ] && echo .gl) | tail -1 | cut -f1)
echo "tracked tree $((tracked / 1048576)) MiB + .qrun and .gl $((carried / 1048576)) MiB = $(((tracked + carried) / 1048576)) MiB of the 64 MiB a call carries"
