#!/usr/bin/env bash
# On the H200 machine (repo root, .gpu .gl .qbench carried): the Vulkan loader and Node
# from the carried files, the packed models unpacked to /tmp/qbench, then bench-quality;
# results (JSON, markdown, SVG chart, log) go to $OUT.
# Usage: scripts/bench/run-h200.sh MODELS [extra bench-quality flags]
set -uo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
mkdir -p /tmp/qbench && xz -dc .qbench/files.tar.xz | tar -C /tmp/qbench -xf - && cp .qbench/cli.mjs /tmp/qbench/
OUT=${OUT:-out}
mkdir -p "$OUT"
models=$1; shift
/tmp/node /tmp/qbench/cli.mjs bench-quality --data /tmp/qbench/shared --reference bench/reference --models "$models" \
  --out-json "$OUT/quality.json" --out-md "$OUT/quality.md" --charts "$OUT" "$@" 2>&1 | tee "$OUT/log.txt"
