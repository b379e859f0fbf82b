#!/usr/bin/env bash
# H200 side: the upload probe on a 4 GB file of the page cache, then the Llama-3.1-8B-shaped prune
# at the defaults (resident) with its stage breakdown, and the disk's own write speed.
# Local side first: `bash scripts/device/prepare.sh`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
T0=$SECONDS
step() { echo "=== $1 (t=$((SECONDS - T0)) s)"; }
step "upload probe"
head -c 4G /dev/urandom > /tmp/probe.bin; timeout 120 /tmp/node scripts/device/probe-upload.mjs /tmp/probe.bin 2>&1 | grep -v "^ -\|Invalid\|^validation" | head -20; rm -f /tmp/probe.bin
step "disk: 4 GiB written then fdatasync"
dd if=/dev/zero of=/tmp/dd.bin bs=64M count=64 conv=fdatasync 2>&1 | tail -1; rm -f /tmp/dd.bin
step "8B model"
timeout 120 python3 scripts/py/make_model.py --shape llama-3.1-8b --tokenizer fixtures/tokenizers/llama-10m --out /tmp/m8b > /tmp/make8b.log 2>&1; echo "make rc=$?"; tail -1 /tmp/make8b.log
sync; step "8B prune resident, defaults"
timeout 200 /tmp/node .devnode/cli.mjs prune --model /tmp/m8b --calib fixtures/corpora/wikitext2-test.raw --vocab-ratio 0.75 --ffn-ratio 0.75 \
  --gpu-memory 100GiB --out /tmp/p8b --overwrite --json > "$OUT/prune8b.json" 2> /tmp/prune8b.err
echo "prune rc=$?"; grep -E "error" /tmp/prune8b.err | head -5
python3 scripts/device/summarize.py "$OUT/prune8b.json" placement.mode seconds gpu_peak_bytes peak_rss_bytes calibration params_after
du -sb /tmp/p8b | awk '{printf "export: %.2f GB written\n", $1/1e9}'
if [ -z "${SKIP_EXPORT_BENCH:-}" ]; then
  rm -rf /tmp/p8b; step "bench-export: the export's weights against a plain copy (same sink, same disk)"
  timeout 150 /tmp/node .devnode/cli.mjs bench-export --model /tmp/m8b --reps 1 > "$OUT/export8b.json" 2> /tmp/export8b.err; echo "rc=$?"; tail -c 600 "$OUT/export8b.json"; echo
fi
step "done"
