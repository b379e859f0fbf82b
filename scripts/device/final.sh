#!/usr/bin/env bash
# H200 side, one run, in order of importance (each step has its own time limit):
#  1. an 8B prune: a random-weight Llama-3.1-8B-shaped BF16 model (transformers), pruned to
#     75% vocab / 75% FFN resident and again with --gpu-memory 4GiB; the two exports compared
#     byte for byte; then the export's weights timed against a plain copy of the shards
#  2. tensor-core self-check, and fast vs exact selections on the shared models (bench-fast)
#  3. the speed table: PyTorch fp32 eager (TF32 off) vs ours (exact, fast) on the Qwen2.5-0.5B
#     and Llama-3.2-1B shapes (SPEED_MODELS picks others), decode included
#  4. our eval of the 8B export and transformers' (the agreement check)
# Local side first: `bash scripts/device/prepare.sh llama-10m`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
nvidia-smi --query-gpu=name,memory.total,memory.free,driver_version --format=csv,noheader; df -h /tmp | tail -1
CAL=fixtures/corpora/wikitext2-test.raw
TXT=fixtures/corpora/tinystories-heldout.txt

step "8B model"
run 120 python3 scripts/py/make_model.py --shape llama-3.1-8b --tokenizer fixtures/tokenizers/llama-10m --out /tmp/m8b > /tmp/make8b.log 2>&1; echo "make rc=$?"; tail -1 /tmp/make8b.log
for cfg in resident:100GiB streamed:4GiB; do
  name=${cfg%%:*}; budget=${cfg#*:}
  step "8B prune $name (--gpu-memory $budget)"
  run 200 /tmp/node .devnode/cli.mjs prune --model /tmp/m8b --calib $CAL --vocab-ratio 0.75 --ffn-ratio 0.75 \
    --gpu-memory $budget --out /tmp/p8b-$name --overwrite --json > "$OUT/prune8b_$name.json" 2> /tmp/prune8b_$name.err
  echo "prune rc=$?"; grep -E "placement|error" /tmp/prune8b_$name.err | head -5
  S "$OUT/prune8b_$name.json" placement.mode placement.reason seconds gpu_peak_bytes peak_rss_bytes reduction vocab_size intermediate_size calibration
done
step "8B exports identical?"
( cd /tmp/p8b-resident && for f in *; do cmp -s "$f" "/tmp/p8b-streamed/$f" && echo "same $f" || echo "DIFFERENT $f"; done; ls -la /tmp/p8b-streamed | wc -l )
rm -rf /tmp/p8b-streamed /tmp/m8b-unused
step "8B export vs a plain copy of its shards (same disk, one run)"
run 150 /tmp/node .devnode/cli.mjs bench-export --model /tmp/m8b --out /tmp --reps 1 > "$OUT/export8b.json" 2> /tmp/export8b.err; echo "bench-export rc=$?"; S "$OUT/export8b.json" best rows; tail -2 /tmp/export8b.err

step "tensor-core self-check"
run 60 /tmp/node .devnode/cli.mjs selftest > /tmp/selftest.json 2> /tmp/selftest.err; echo "selftest rc=$?"; S /tmp/selftest.json fastMatmul fastProblem configs ok checks; grep -m3 "error" /tmp/selftest.err
step "fast vs exact selections"
run 90 /tmp/node .devnode/cli.mjs bench-fast --models /tmp/models/llama-10m,fixtures/stories260K --calib $CAL --text $TXT > "$OUT/fast.json" 2> /tmp/fast.err; echo "bench-fast rc=$?"; S "$OUT/fast.json" model fast_mode min_channels_same max_abs_bpb_diff; grep -m3 "error" /tmp/fast.err

step "PyTorch speed"
run 150 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --models ${SPEED_MODELS:-qwen2.5-0.5b llama-3.2-1b} --decode --out-json /tmp/torch_speed.json > /tmp/torch_speed.log 2>&1; echo "torch_speed rc=$?"
S /tmp/torch_speed.log model ms_per_pass tokens_per_s nominal_tflops decode_ms_per_token_fp32_eager
for m in ${SPEED_MODELS:-qwen2.5-0.5b llama-3.2-1b}; do
  step "ours $m"
  run 100 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps 5 --warmup 2 --precision both --decode > "$OUT/ours_$m.json" 2> /tmp/ours_$m.err
  echo "rc=$?"; S "$OUT/ours_$m.json" calib_by_precision.exact.ms calib_by_precision.exact.tokens_s calib_by_precision.fast.ms calib_by_precision.fast.tokens_s calib_by_precision.fast.ran calib_by_precision.exact.phases_ms eval_ms eval_tokens_s load_mb_s latency matmuls matvec_bf16; grep -m3 "error" /tmp/ours_$m.err
done
step "8B export: our eval, then transformers"
run 90 /tmp/node .devnode/cli.mjs eval --model /tmp/p8b-resident --text $TXT --tokens 4096 --seq 256 --json > /tmp/eval8b.json 2> /tmp/eval8b.err; echo "eval rc=$?"; S /tmp/eval8b.json mean_nll bits_per_byte tokens; tail -2 /tmp/eval8b.err
run 150 python3 scripts/py/check_export.py /tmp/p8b-resident $TXT --tokens 4096 --seq 256 > /tmp/theirs8b.json 2> /tmp/theirs8b.err; echo "transformers rc=$?"; S /tmp/theirs8b.json mean_nll bits_per_byte tokens autotokenizer_loaded vocab_size intermediate_size; tail -2 /tmp/theirs8b.err
step "done"
