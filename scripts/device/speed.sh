#!/usr/bin/env bash
# H200 side, one run, everything side by side: kernel self-test (tensor-core matmul vs CPU
# reference), the matmul kernels (default Dawn toggles, then robustness off), PyTorch fp32 eager
# (TF32 off) calibration pass and decode on a random-weight Qwen2.5-0.5B-shaped model (bf16 on
# disk; add llama-3.2-1b with SPEED_MODELS), our engine on the same folders (calibration exact and
# fast, eval, decode), and fast mode's selections against exact mode's on the shared models.
# Local side first: `bash scripts/device/prepare.sh [models]`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
MODELS=${SPEED_MODELS:-qwen2.5-0.5b}
summary() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps({k: d.get(k) for k in sys.argv[1:]}))" "$@"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
timeout 60 /tmp/node .devnode/cli.mjs selftest > "$OUT/selftest.json" 2> "$OUT/selftest.err"; echo "selftest rc=$?"; cut -c1-2500 "$OUT/selftest.json"; tail -3 "$OUT/selftest.err"
timeout 100 /tmp/node .devnode/cli.mjs bench-matmul --reps 3 --per-submit 5 --shapes ${MATMUL_SHAPES:-0,2,3,5} > "$OUT/matmul.json" 2> "$OUT/matmul.err"; echo "bench-matmul rc=$?"; grep "^bench-matmul" "$OUT/matmul.err"; tail -2 "$OUT/matmul.err" | grep -v "^bench-matmul"
COMPACT_DAWN_TOGGLES=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,disable_robustness,disable_workgroup_init timeout 100 /tmp/node .devnode/cli.mjs bench-matmul --reps 3 --per-submit 5 --shapes ${MATMUL_SHAPES:-0,2,3,5} > "$OUT/matmul_norobust.json" 2> "$OUT/matmul_norobust.err"; echo "bench-matmul (robustness off) rc=$?"; grep "^bench-matmul" "$OUT/matmul_norobust.err"
timeout 200 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --models $MODELS --decode --out-json /tmp/torch_speed.json > /tmp/torch_speed.log 2>&1
echo "torch_speed rc=$?"; grep "^{" /tmp/torch_speed.log | while read -r l; do echo "$l" | summary model ms_per_pass tokens_per_s nominal_tflops decode_ms_per_token_fp32_eager peak_mem_gib; done; tail -2 /tmp/torch_speed.log
for m in $MODELS; do
  timeout 150 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps 5 --warmup 2 --precision both --decode > "$OUT/ours_$m.json" 2> "$OUT/ours_$m.err"
  echo "ours $m rc=$?"; summary model calib_by_precision eval_ms eval_tokens_s latency matmuls < "$OUT/ours_$m.json"; tail -3 "$OUT/ours_$m.err"
done
fastdirs=$(ls -d /tmp/models/* 2>/dev/null | tr '\n' ',' | sed 's/,$//')
fastdirs=${fastdirs:+$fastdirs,}fixtures/stories260K
timeout 120 /tmp/node .devnode/cli.mjs bench-fast --models $fastdirs --calib fixtures/corpora/wikitext2-test.raw --text fixtures/corpora/tinystories-heldout.txt > "$OUT/fast.json" 2> "$OUT/fast.err"
echo "bench-fast rc=$?"; while read -r l; do echo "$l" | summary model fast_mode min_channels_same max_abs_bpb_diff; done < "$OUT/fast.json"; tail -3 "$OUT/fast.err"
