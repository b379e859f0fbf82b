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
