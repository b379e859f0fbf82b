#!/usr/bin/env bash
# Streaming on this machine (SwiftShader: GPU memory is process memory, so RSS shows it): a
# random-weight ~300 MB BF16 model with the Llama-2 32k tokenizer, pruned resident and with
# --gpu-memory 64MiB on a 1 x 64-token calibration; the exports must be byte-identical.
#   bash scripts/bench/cpu-streaming.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
W=${1:-/tmp/cpu-streaming}
mkdir -p "$W"
[ -e "$W/model/config.json" ] || node bin/compact-studio.mjs make-model --shape cpu-300m --tokenizer fixtures/tokenizers/llama-10m --out "$W/model" >/dev/null
for cfg in resident:4GiB streamed:64MiB; do
  name=${cfg%%:*}; budget=${cfg#*:}
  node bin/compact-studio.mjs prune --model "$W/model" --calib fixtures/corpora/wikitext2-test.raw --samples 1 --sample-tokens 64 \
    --vocab-ratio 0.75 --ffn-ratio 0.75 --gpu-memory "$budget" --out "$W/out-$name" --overwrite --json > "$W/$name.json" 2> "$W/$name.err"
  python3 scripts/device/summarize.py "$W/$name.json" placement.mode seconds gpu_peak_bytes peak_rss_bytes vocab_size intermediate_size
done
(cd "$W/out-resident" && for f in *; do cmp -s "$f" "$W/out-streamed/$f" && echo "same $f" || { echo "DIFFERENT $f"; exit 1; }; done)
