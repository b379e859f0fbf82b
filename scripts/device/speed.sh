#!/usr/bin/env bash
# H200 side, speed only: PyTorch fp32 eager (TF32 off) and our exact calibration pass on the speed
# shapes, side by side in one run, with more repetitions (REPS, default 11) for the spread.
# Local side first: `bash scripts/device/prepare.sh`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
MODELS=${SPEED_MODELS:-qwen2.5-0.5b llama-3.2-1b}
timeout 200 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --models $MODELS --decode --out-json /tmp/torch_speed.json > /tmp/torch_speed.log 2>&1; echo "torch_speed rc=$?"
S /tmp/torch_speed.log model ms_per_pass tokens_per_s decode_ms_per_token_fp32_eager
for m in $MODELS; do
  timeout 150 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps ${REPS:-11} --warmup 2 --precision exact --decode > "$OUT/ours_$m.json" 2> /tmp/ours_$m.err
  echo "ours $m rc=$?"; S "$OUT/ours_$m.json" calib_by_precision.exact.ms calib_by_precision.exact.all calib_by_precision.exact.phases_ms calib_with_mass_exact latency.decodeMsPerToken; grep -m3 "error" /tmp/ours_$m.err
done
