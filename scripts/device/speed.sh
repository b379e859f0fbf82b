#!/usr/bin/env bash
# H200 side, one run: kernel self-test (tensor-core matmul vs CPU reference), the matmul kernels side
# by side (default Dawn toggles, then with robustness off), PyTorch fp32 eager (TF32 off) calibration
# pass and decode on random-weight Qwen2.5-0.5B- and Llama-3.2-1B-shaped models (bf16 on disk), then
# our engine on the same folders: calibration exact and fast, eval, decode - all in the same run.
# Local side first: `bash scripts/device/prepare.sh`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
timeout 60 /tmp/node .devnode/cli.mjs selftest > "$OUT/selftest.json" 2> "$OUT/selftest.err"; echo "selftest rc=$?"; cat "$OUT/selftest.json"; tail -3 "$OUT/selftest.err"
timeout 150 /tmp/node .devnode/cli.mjs bench-matmul > "$OUT/matmul.json" 2> "$OUT/matmul.err"; echo "bench-matmul rc=$?"; tail -3 "$OUT/matmul.err"
COMPACT_DAWN_TOGGLES=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,disable_robustness,disable_workgroup_init timeout 150 /tmp/node .devnode/cli.mjs bench-matmul > "$OUT/matmul_norobust.json" 2> "$OUT/matmul_norobust.err"; echo "bench-matmul (robustness off) rc=$?"; tail -3 "$OUT/matmul_norobust.err"
timeout 240 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --decode --out-json "$OUT/torch_speed.json" > "$OUT/torch_speed.log" 2>&1
echo "torch_speed rc=$?"; grep "^{" "$OUT/torch_speed.log" | cut -c1-600
for m in qwen2.5-0.5b llama-3.2-1b; do
  timeout 200 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps 5 --warmup 2 --precision both --decode --scaling > "$OUT/ours_$m.json" 2> "$OUT/ours_$m.err"
  echo "ours $m rc=$?"; cut -c1-1500 "$OUT/ours_$m.json"; tail -3 "$OUT/ours_$m.err"
done
