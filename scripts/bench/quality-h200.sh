#!/usr/bin/env bash
# On the H200 machine (repo root; carry .qrun and .gl, made by pack-quality-h200.sh and the
# shared data folder's GPU-MACHINE.md): every quality table of BENCHMARKS.md for the packed
# models in one command: the reference-comparison grid (all bench-quality methods), the honest
# automatic allocation (`target`: prune --target's search, chosen on TinyStories after the
# evaluation span) and the new settings (`target-new`), all on the GPU in exact f32.
# Writes $OUT/quality.json, $OUT/quality.md (the tables to paste), $OUT/log.txt and one SVG per model.
# Usage: bash scripts/bench/quality-h200.sh [extra bench-quality flags, e.g. --reductions 10 --eval-bytes 8000]
set -uo pipefail
OUT=${OUT:-out}
mkdir -p "$OUT"
if [ -d .gl ] && ls .gl/*.deb >/dev/null 2>&1; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$nv" ] && export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$nv}  # elsewhere (a CPU machine) the engine finds SwiftShader itself
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
W=${QRUN_WORK:-/tmp/qrun}
rm -rf "$W" && mkdir -p "$W/node_modules" "$W/data/models" "$W/data/corpora"
if [ -f .qrun/node.xz ]; then xz -dc .qrun/node.xz > "$W/node" && chmod +x "$W/node"; else ln -s "$(command -v node)" "$W/node"; fi
xz -dc .qrun/webgpu.tar.xz | tar -C "$W/node_modules" -xf -
xz -dc .qrun/cli.mjs.xz > "$W/cli.mjs"
xz -dc .qrun/models.tar.xz | tar -C "$W/data" -xf -
cp fixtures/corpora/wikitext2-test.raw fixtures/corpora/tinystories-heldout.txt "$W/data/corpora/"
models=$(paste -sd, .qrun/models.txt)
for m in $(cat .qrun/models.txt); do
  if [ -d "fixtures/$m" ]; then cp -r "fixtures/$m" "$W/data/models/"; else cp fixtures/tokenizers/$m/{config.json,generation_config.json,tokenizer_config.json,tokenizer.json} "$W/data/models/$m/"; fi
done
methods=compact,compact-freq,act2,magnitude,vocab-only,ffn-only,depth,compact-closed,compact-freq-closed,auto,target,target-new
echo "models $models; methods $methods" | tee "$OUT/log.txt"
start=$(date +%s)
"$W/node" "$W/cli.mjs" bench-quality --data "$W/data" --reference bench/reference --models "$models" --methods "$methods" \
  --out-json "$OUT/quality.json" --out-md "$OUT/quality.md" --charts "$OUT" "$@" 2>&1 | tee -a "$OUT/log.txt"
rc=${PIPESTATUS[0]}
echo "bench-quality exit $rc after $(( $(date +%s) - start )) s" | tee -a "$OUT/log.txt"
exit "$rc"
