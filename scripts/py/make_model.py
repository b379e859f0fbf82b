#!/usr/bin/env python3
"""A random-weight model at a real shape (transformers' own init on the GPU, saved in bf16 with
save_pretrained), with the tokenizer files of another folder, for size tests on the GPU machine.

    python3 scripts/py/make_model.py --shape llama-3.1-8b --tokenizer fixtures/tokenizers/llama-10m --out DIR

The shapes are those of torch_speed.py plus llama-3.1-8b (untied, 128k vocabulary; ids the
tokenizer never produces are rows nobody reads) and qwen2.5-14b.
"""
from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM
from transformers.models.auto.configuration_auto import CONFIG_MAPPING

from torch_speed import SHAPES  # same folder: scripts/py

BIG = {
    "llama-3.1-8b": dict(
        model_type="llama", vocab_size=128256, hidden_size=4096, num_hidden_layers=32,
        intermediate_size=14336, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
        tie_word_embeddings=False, max_position_embeddings=131072, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192},
        bos_token_id=1, eos_token_id=2,
    ),
    "qwen2.5-14b": dict(
        model_type="qwen2", vocab_size=152064, hidden_size=5120, num_hidden_layers=48,
        intermediate_size=13824, num_attention_heads=40, num_key_value_heads=8, head_dim=128,
        tie_word_embeddings=False, max_position_embeddings=32768, rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
        bos_token_id=1, eos_token_id=2,
    ),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", required=True, choices=[*SHAPES, *BIG])
    p.add_argument("--tokenizer", required=True, help="folder with tokenizer.json (and tokenizer_config.json)")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    shape = dict({**SHAPES, **BIG}[args.shape])
    config = CONFIG_MAPPING[shape.pop("model_type")](**shape)
    t0 = time.perf_counter()
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(config)  # fp32 init on the GPU (as torch_speed.py)
    model = model.to(torch.bfloat16)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), max_shard_size="5GB")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        src = Path(args.tokenizer) / name
        if src.exists():
            shutil.copy(src, out / name)
    params = sum(t.numel() for t in model.parameters())
    print(json.dumps({"shape": args.shape, "params": params, "seconds": round(time.perf_counter() - t0, 1),
                      "bytes": sum(f.stat().st_size for f in out.glob("*.safetensors"))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
