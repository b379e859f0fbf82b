#!/usr/bin/env bash
# H200 side: PyTorch fp32 eager (TF32 off) and compact-studio on the same random-weight
# Qwen2.5-0.5B- and Llama-3.2-1B-shaped models (bf16 on disk), one [16, 512] calibration batch, same run.
set -u
source scripts/device/env.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
timeout 240 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --out-json "$OUT/torch_speed.json" > "$OUT/torch_speed.log" 2>&1
echo "torch_speed rc=$?"; grep "^{" "$OUT/torch_speed.log"
for m in qwen2.5-0.5b llama-3.2-1b; do
  timeout 200 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps 5 --warmup 2 --scaling > "$OUT/ours_$m.json" 2> "$OUT/ours_$m.err"
  echo "ours $m rc=$?"; cat "$OUT/ours_$m.json"; tail -3 "$OUT/ours_$m.err"
done
