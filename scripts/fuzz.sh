#!/usr/bin/env bash
# A longer fuzz campaign over damaged model folders (the CI run is src/fuzz/fuzz.test.ts with
# 1000 cases and 6 CLI runs). Same generators and oracle; prints a table of outcomes per kind and
# fails on the first case that ends in anything but a clear refusal or a model that exports.
#   bash scripts/fuzz.sh [CASES=20000] [SEED=random] [CLI_CASES=20]
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-20000}"
SEED="${2:-$RANDOM$RANDOM}"
CLI_CASES="${3:-20}"
echo "fuzz: $CASES cases, seed $SEED, $CLI_CASES through the CLI (rerun with: bash scripts/fuzz.sh $CASES $SEED $CLI_CASES)"
FUZZ_CASES="$CASES" FUZZ_SEED="$SEED" FUZZ_CLI_CASES="$CLI_CASES" exec npx vitest run src/fuzz/fuzz.test.ts
