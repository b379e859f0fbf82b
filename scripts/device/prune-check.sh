#!/usr/bin/env bash
# H200 side (after scripts/device/env.sh): prunes each model at several settings with our CLI,
# evaluates every exported folder with `compact-studio eval`, then loads the same folders with
# transformers (scripts/py/check_export.py: AutoModelForCausalLM + AutoTokenizer, ids from
# tokenizer.json through `tokenizers`, decode round trip) and compares mean NLL (|diff| <= 1e-3).
#   bash scripts/device/prune-check.sh stories260K llama-10m
set -u
source scripts/device/env.sh
CAL=.devnode/corpora/wikitext2-test.raw
TXT=.devnode/corpora/tinystories-heldout.txt
configs=(
  "v100-f80 --vocab-ratio 1 --ffn-ratio 0.8"
  "v80-f60 --vocab-ratio 0.8 --ffn-ratio 0.6"
  "v55-f90-freq --vocab-ratio 0.55 --ffn-ratio 0.9 --vocab-order frequency"
  "v60-f70-act2 --vocab-ratio 0.6 --ffn-ratio 0.7 --criterion act2"
  "v90-f50-mag-noclosure --vocab-ratio 0.9 --ffn-ratio 0.5 --criterion magnitude --no-closure"
  "v100-f100 --vocab-ratio 1 --ffn-ratio 1"
)
dirs=()
: > "$OUT/ours.jsonl"
for m in "$@"; do
  for c in "${configs[@]}"; do
    name=${c%% *}; flags=${c#* }
    d=/tmp/pruned/$m-$name
    mkdir -p /tmp/prune-logs
    if CS prune --model /tmp/models/$m --calib $CAL $flags --out $d --overwrite --json > /tmp/prune-logs/$m-$name.json 2> /tmp/prune-logs/$m-$name.err; then
      cat /tmp/prune-logs/$m-$name.json >> "$OUT/prunes.jsonl"
      CS eval --model $d --text $TXT --tokens 4096 --seq 256 --json | python3 -c "import sys,json; r=json.loads(sys.stdin.read()); r['dir']='$d'; print(json.dumps(r))" >> "$OUT/ours.jsonl"
      dirs+=("$d")
    else
      echo "prune failed: $m $name"; cat /tmp/prune-logs/$m-$name.err
    fi
  done
done
python3 scripts/py/check_export.py "${dirs[@]}" $TXT --tokens 4096 --seq 256 > "$OUT/theirs.jsonl" 2> "$OUT/theirs.err"
echo "check_export rc=$?"
python3 scripts/device/compare.py "$OUT/ours.jsonl" "$OUT/theirs.jsonl" | tee "$OUT/compare.txt"
