#!/usr/bin/env bash
# Research: select (Node, the product's vocabulary code) then evaluate (numpy) one jobs file.
# Usage: scripts/research/run.sh MODEL_DIR JOBS.json OUT_PREFIX   (writes OUT_PREFIX.sel.json, OUT_PREFIX.res.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1 jobs=$2 out=$3
data=${DATA:-../shared}
mkdir -p /tmp/qr
[ -f /tmp/qr/select.mjs ] && [ /tmp/qr/select.mjs -nt scripts/research/select.ts ] && [ /tmp/qr/select.mjs -nt scripts/research/rankings.ts ] || node scripts/research/bundle.mjs scripts/research/select.ts /tmp/qr/select.mjs
node /tmp/qr/select.mjs "$model" "$data/corpora/wikitext2-test.raw" "$data/corpora/tinystories-heldout.txt" "$jobs" "$out.sel.json"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 scripts/research/cpu_eval.py "$model" "$out.sel.json" "$out.res.json"
