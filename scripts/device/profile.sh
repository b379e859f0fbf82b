#!/usr/bin/env bash
# H200 side, a short run to find where calibration time goes: PyTorch fp32 eager (TF32 off) on the
# speed shapes, our bench-gpu on the same folders with --profile (every dispatch timed on its own,
# summed per kernel and grid), then the Llama-3.1-8B-shaped prune at the defaults (resident).
# Local side first: `bash scripts/device/prepare.sh`; carry [".gpu", ".gl", ".devnode"].
set -u
source scripts/device/env.sh
MODELS=${SPEED_MODELS:-qwen2.5-0.5b llama-3.2-1b}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
step "PyTorch speed"
timeout 200 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --models $MODELS --decode --out-json /tmp/torch_speed.json > /tmp/torch_speed.log 2>&1; echo "torch_speed rc=$?"
S /tmp/torch_speed.log model ms_per_pass tokens_per_s nominal_tflops decode_ms_per_token_fp32_eager
for m in $MODELS; do
  step "ours $m (profiled)"
  timeout 150 /tmp/node .devnode/cli.mjs bench-gpu --model /tmp/speed-models/$m --samples 16 --seq 512 --reps 3 --warmup 1 --precision ${PRECISION:-both} --decode --profile --attention-sweep > "$OUT/ours_$m.json" 2> /tmp/ours_$m.err
  echo "rc=$?"; S "$OUT/ours_$m.json" calib_by_precision eval_ms latency matmuls matvec_bf16 attention_sweep; grep -m3 "error" /tmp/ours_$m.err
  python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
for p,v in (d.get('profile') or {}).items():
  print(f'profile {p}: {v[\"total_ms\"]:.1f} ms in timed dispatches (dropped {v[\"dropped\"]})')
  for k in v['kernels'][:18]: print(f'  {k[\"ms\"]:8.2f} ms  x{k[\"dispatches\"]:<4} {k[\"kernel\"]}')
" "$OUT/ours_$m.json"
done
if [ -z "${SKIP_8B:-}" ]; then
  step "8B model"
  timeout 120 python3 scripts/py/make_model.py --shape llama-3.1-8b --tokenizer fixtures/tokenizers/llama-10m --out /tmp/m8b > /tmp/make8b.log 2>&1; echo "make rc=$?"; tail -1 /tmp/make8b.log
  step "8B prune resident, defaults"
  timeout 200 /tmp/node .devnode/cli.mjs prune --model /tmp/m8b --calib fixtures/corpora/wikitext2-test.raw --vocab-ratio 0.75 --ffn-ratio 0.75 \
    --gpu-memory 100GiB --out /tmp/p8b --overwrite --json > "$OUT/prune8b.json" 2> /tmp/prune8b.err
  echo "prune rc=$?"; grep -E "error" /tmp/prune8b.err | head -5
  S "$OUT/prune8b.json" placement.mode seconds gpu_peak_bytes calibration
fi
step "done"
