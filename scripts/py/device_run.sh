#!/usr/bin/env bash
# One device-machine call that does all the Python-side work (see scripts/py/README.md):
#   run tool: command "bash scripts/py/device_run.sh [goldens] [check] [speed]", carry [".gl", ".device"]
# Needs in the working tree (git-ignored, carried): .device/models/{stories260K,llama-10m,qwen2-14m}
# and .device/corpora/tinystories-heldout.txt (copies of ../shared). Writes logs and
# goldens.tgz (fixtures/goldens) under $OUT. Each step has its own time limit and a failing
# step does not stop the next; the exit status says whether every step passed.
set -u
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-/tmp/device-out}
mkdir -p "$OUT"
steps=${*:-goldens check speed}
status=0

# The Vulkan/GL loaders for later Node + Dawn runs (GPU-MACHINE.md); harmless here.
if ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  echo "libvulkan entries: $(ldconfig -p | grep -c libvulkan)"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch, transformers, tokenizers, safetensors; print("torch", torch.__version__, "transformers", transformers.__version__, "tokenizers", tokenizers.__version__, "safetensors", safetensors.__version__, "cuda", torch.cuda.is_available())'

run_step() {  # name, limit seconds, command...
  local name=$1 limit=$2; shift 2
  echo "=== $name"
  local t0=$SECONDS
  timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name rc=$rc in $((SECONDS - t0)) s"
  [ $rc -eq 0 ] || status=1
}

M=.device/models
T=.device/corpora/tinystories-heldout.txt
for step in $steps; do
  case $step in
    goldens)
      run_step goldens 150 python3 scripts/py/make_goldens.py --out fixtures/goldens
      tar czf "$OUT/goldens.tgz" fixtures/goldens && du -sh fixtures/goldens/* ;;
    check)
      # reference.json protocol: first 4096 tokens, windows of 256, must match within 1e-4
      run_step check_ref 120 python3 scripts/py/check_export.py $M/stories260K $M/llama-10m $M/qwen2-14m "$T" \
        --tokens 4096 --seq 256 --reference tinystories --tol 1e-4
      # anchors' bits-per-byte protocol: first 64 KiB of text, all tokens, windows of 256
      run_step check_bpb 120 python3 scripts/py/check_export.py $M/stories260K $M/llama-10m $M/qwen2-14m "$T" \
        --text-bytes 65536 --tokens 0 --seq 256 ;;
    speed)
      run_step speed 180 python3 scripts/py/torch_speed.py --save-dir /tmp/speed-models --out-json "$OUT/torch_speed.json" ;;
    *) echo "unknown step $step"; status=1 ;;
  esac
done
exit $status
