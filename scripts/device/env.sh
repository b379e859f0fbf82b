# Sourced on the H200 machine: Vulkan loader, NVIDIA ICD, Node, dawn.node, models.
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json XDG_RUNTIME_DIR=/tmp
xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
xz -dc .devnode/node_modules/webgpu/dist/linux-x64/dawn.node.xz > .devnode/node_modules/webgpu/dist/linux-x64/dawn.node
mkdir -p /tmp/models
for t in .devnode/models/*.tar.xz; do [ -e "$t" ] && tar -C /tmp/models -xJf "$t"; done
for d in /tmp/models/*; do n=$(basename "$d"); [ -e "$d/tokenizer.json" ] || cp "fixtures/tokenizers/$n/tokenizer.json" "$d/" 2>/dev/null; done
CS() { /tmp/node .devnode/cli.mjs "$@"; }
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
S() { python3 scripts/device/summarize.py "$@"; }
# Steps under one deadline (DEADLINE seconds for the whole script: the device budget is short)
T0=$SECONDS
DEADLINE=${DEADLINE:-500}
step() { echo "=== $1 (t=$((SECONDS - T0)) s)"; }
# limit LIMIT: the step's own limit, cut to what is left before the deadline (0: skip the step)
limit() { local left=$((DEADLINE - (SECONDS - T0))); [ "$left" -lt "$1" ] && echo $((left > 10 ? left : 0)) || echo "$1"; }
run() { local l; l=$(limit "$1"); shift; if [ "$l" -le 0 ]; then echo "skipped (deadline)"; return 124; fi; timeout "$l" "$@"; }
