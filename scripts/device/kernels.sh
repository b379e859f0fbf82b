#!/usr/bin/env bash
# H200 side, the kernels of issue 9 in one run:
#  1. the tensor-core matmul: self-check against the f64 reference (compile messages included)
#  2. bench-matmul: every kernel variant at the calibration shapes (TFLOP/s, same run)
#  3. fast vs exact selections on the shared models (bench-fast)
#  4. the speed table: PyTorch fp32 eager (TF32 off) vs ours, exact and fast, decode included
# Local side first: `bash scripts/device/prepare.sh llama-10m`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
CAL=fixtures/corpora/wikitext2-test.raw
TXT=fixtures/corpora/tinystories-heldout.txt
MODELS=${SPEED_MODELS:-qwen2.5-0.5b llama-3.2-1b}
step "tensor-core self-check"
run 90 /tmp/node .devnode/cli.mjs selftest > "$OUT/selftest.json" 2> /tmp/selftest.err; echo "selftest rc=$?"; S "$OUT/selftest.json" fastMatmul fastProblem compile ok checks; grep -m3 "error" /tmp/selftest.err
step "bench-matmul"
run 200 /tmp/node .devnode/cli.mjs bench-matmul --shapes ${MATMUL_SHAPES:-0,1,2,3,5,6} > "$OUT/matmul_bench.json" 2> /tmp/matmul_bench.err; echo "bench-matmul rc=$?"; grep "^bench-matmul" /tmp/matmul_bench.err; grep -m3 "error" /tmp/matmul_bench.err
step "fast vs exact selections"
run 90 /tmp/node .devnode/cli.mjs bench-fast --models /tmp/models/llama-10m,fixtures/stories260K --calib $CAL --text $TXT > "$OUT/fast.json" 2> /tmp/fast.err; echo "bench-fast rc=$?"; S "$OUT/fast.json" model fast_mode min_channels_same max_abs_bpb_diff; grep -m3 "error" /tmp/fast.err
step "PyTorch speed"
run 200 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --models $MODELS --decode --tf32 --out-json "$OUT/torch_speed.json" > /tmp/torch_speed.log 2>&1; echo "torch_speed rc=$?"
S /tmp/torch_speed.log model ms_per_pass tokens_per_s tf32_ms_per_pass tf32_tokens_per_s decode_ms_per_token_fp32_eager
for m in $MODELS; do
  step "ours $m"
  run 150 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps ${REPS:-7} --warmup 2 --precision both --decode --profile > "$OUT/ours_$m.json" 2> /tmp/ours_$m.err
  echo "rc=$?"; S "$OUT/ours_$m.json" calib_by_precision.exact.ms calib_by_precision.exact.all calib_by_precision.fast.ms calib_by_precision.fast.all calib_by_precision.fast.ran calib_with_mass_exact latency.decodeMsPerToken matmuls; grep -m3 "error" /tmp/ours_$m.err
done
step "done"
