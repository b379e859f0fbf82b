#!/usr/bin/env bash
# H200 side: f32 matmul kernels (64x64 vs 128x128, K step 8/16, auto) at calibration shapes, same run.
# Local side first: `bash scripts/device/prepare.sh`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
timeout "${MATMUL_BENCH_TIMEOUT:-120}" /tmp/node .devnode/cli.mjs bench-matmul "$@" > "$OUT/matmul_bench.json" 2> "$OUT/matmul_bench.err"
echo "bench-matmul rc=$?"; cat "$OUT/matmul_bench.json"; tail -5 "$OUT/matmul_bench.err"
