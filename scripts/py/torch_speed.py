#!/usr/bin/env python3
"""PyTorch calibration speed on the GPU, for the "benchmarks" issue, plus test models for our engine.

    python3 scripts/py/torch_speed.py --save-dir DIR [--models qwen2.5-0.5b llama-3.2-1b]
        [--reps 5 --warmup 2 --samples 16 --seq 512 --attn eager --out-json F]

For each model: builds random weights (transformers' own init, std 0.02) in a config with the
real shapes (see bench/reference/README.md), stores them in bf16 with save_pretrained
into DIR/<model> (for our engine to load later), reloads that folder as fp32 on the GPU with
the chosen attention, TF32 off, and times one calibration pass: a [samples, seq] batch of
random ids through the model with a forward pre-hook on every mlp.down_proj that accumulates
common-act2 (acc_l += mask @ h^2 in fp32; mask = 1 where the input id < 70% of V), full
logits computed. Median of --reps passes after --warmup passes, synchronised around each.
Nominal TFLOP/s = 2 * (matmul weights incl. lm_head) * tokens / time (attention excluded).
Prints one JSON line per model (and writes them all to --out-json when given).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import AutoModelForCausalLM
from transformers.models.auto.configuration_auto import CONFIG_MAPPING

from check_export import disable_tf32  # same folder: scripts/py

KEPT_FRACTION = 0.7

# Real shapes: V vocab, D hidden, L layers, I ffn, H/K heads, E head dim.
SHAPES: dict[str, dict[str, Any]] = {
    "qwen2.5-0.5b": dict(
        model_type="qwen2", vocab_size=151936, hidden_size=896, num_hidden_layers=24,
        intermediate_size=4864, num_attention_heads=14, num_key_value_heads=2, head_dim=64,
        tie_word_embeddings=True, max_position_embeddings=32768, rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
        bos_token_id=151643, eos_token_id=151643,
    ),
    "llama-3.2-1b": dict(
        model_type="llama", vocab_size=128256, hidden_size=2048, num_hidden_layers=16,
        intermediate_size=8192, num_attention_heads=32, num_key_value_heads=8, head_dim=64,
        tie_word_embeddings=True, max_position_embeddings=131072, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192},
        bos_token_id=128000, eos_token_id=128001,
    ),
}


def tf32_off() -> dict[str, Any]:
    errors = disable_tf32()
    return {"errors": errors, "matmul_precision": torch.get_float32_matmul_precision(),
            "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32}


def build_and_save(name: str, folder: Path) -> dict[str, Any]:
    shape = dict(SHAPES[name])
    config = CONFIG_MAPPING[shape.pop("model_type")](**shape)
    t0 = time.perf_counter()
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(config)  # fp32 init on the GPU
    model = model.to(torch.bfloat16)
    torch.cuda.synchronize()
    t1 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    t2 = time.perf_counter()
    params = sum(p.numel() for p in model.parameters())
    del model
    torch.cuda.empty_cache()
    files = sorted(folder.glob("*.safetensors"))
    return {"params": params, "build_s": round(t1 - t0, 3), "save_s": round(t2 - t1, 3),
            "safetensors_bytes": sum(f.stat().st_size for f in files), "folder": str(folder)}


def matmul_weights(model: torch.nn.Module, config: Any) -> int:
    """Weights of every Linear in the decoder plus lm_head (tied: counted as a matmul anyway)."""
    body = sum(m.weight.numel() for n, m in model.named_modules()
               if isinstance(m, torch.nn.Linear) and not n.endswith("lm_head"))
    return body + config.vocab_size * config.hidden_size


def tf32_on() -> dict[str, Any]:
    torch.set_float32_matmul_precision("high")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    return {"matmul_precision": torch.get_float32_matmul_precision(),
            "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32}


def time_calibration(folder: Path, args: argparse.Namespace, tf32: bool = False) -> dict[str, Any]:
    state = tf32_on() if tf32 else tf32_off()
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32,
                                                 attn_implementation=args.attn, device_map="cuda")
    torch.cuda.synchronize()
    load_s = time.perf_counter() - t0
    model.eval()
    cfg = model.config
    gen = torch.Generator(device="cuda").manual_seed(0)
    ids = torch.randint(0, cfg.vocab_size, (args.samples, args.seq), device="cuda", generator=gen)  # [B, T]
    mask = (ids < int(KEPT_FRACTION * cfg.vocab_size)).float().reshape(1, -1)  # [1, B*T]
    layers = model.model.layers
    acc = torch.zeros(len(layers), cfg.intermediate_size, device="cuda", dtype=torch.float32)  # [L, I]

    def hook_for(index: int):
        def pre_hook(_module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            h = inputs[0].reshape(-1, inputs[0].shape[-1]).float()  # [B*T, I]
            acc[index] += (mask @ (h * h)).squeeze(0)
        return pre_hook

    handles = [layer.mlp.down_proj.register_forward_pre_hook(hook_for(i)) for i, layer in enumerate(layers)]
    times: list[float] = []
    with torch.no_grad():
        for rep in range(args.warmup + args.reps):
            torch.cuda.synchronize()
            start = time.perf_counter()
            logits = model(input_ids=ids, use_cache=False).logits  # [B, T, V]
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if rep >= args.warmup:
                times.append(elapsed * 1000.0)
            shape = list(logits.shape)
            del logits
    for h in handles:
        h.remove()
    ms = statistics.median(times)
    tokens = args.samples * args.seq
    weights = matmul_weights(model, cfg)
    result = {
        "dtype": "fp32", "tf32": tf32, "attn": args.attn, "batching": f"batched [{args.samples},{args.seq}]",
        "ms_per_pass": ms, "tokens_per_s": tokens / (ms / 1000.0),
        "nominal_tflops": 2.0 * weights * tokens / (ms / 1000.0) / 1e12,
        "times_ms": times, "acc_finite": bool(torch.isfinite(acc).all()),
        "tf32_state": state, "logits_shape": shape, "load_fp32_s": round(load_s, 3),
        "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30,
    }
    del model
    torch.cuda.empty_cache()
    tf32_off()
    return result


def time_decode(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Eager greedy decode with the KV cache, fp32 (TF32 off): a 32-token prompt, then 16 single-token
    steps; median ms per step after 2 warm-up steps (our engine's decode measure)."""
    tf32_off()
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32, attn_implementation="eager", device_map="cuda")
    model.eval()
    gen = torch.Generator(device="cuda").manual_seed(1)
    ids = torch.randint(0, model.config.vocab_size, (1, 32), device="cuda", generator=gen)
    steps: list[float] = []
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=True)
        pkv = out.past_key_values
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        for i in range(18):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            out = model(input_ids=nxt, past_key_values=pkv, use_cache=True)
            pkv = out.past_key_values
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
            nxt.item()  # the token comes back to the host, as ours does
            if i >= 2:
                steps.append((time.perf_counter() - t0) * 1000.0)
    del model
    torch.cuda.empty_cache()
    return {"decode_ms_per_token_fp32_eager": statistics.median(steps), "decode_steps_ms": steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save-dir", required=True, help="where the bf16 models are saved (DIR/<model>)")
    parser.add_argument("--models", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--seq", type=int, default=512)
    parser.add_argument("--attn", default="eager", choices=["eager", "sdpa"])
    parser.add_argument("--out-json", default=None)
    parser.add_argument("--decode", action="store_true", help="also time eager KV-cache decode (fp32)")
    parser.add_argument("--tf32", action="store_true", help="also time the pass with TF32 on (tf32_ms_per_pass, tf32_tokens_per_s)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("torch_speed.py needs a CUDA GPU (run it on the device machine)", file=sys.stderr)
        return 2

    results = []
    for name in args.models:
        torch.cuda.reset_peak_memory_stats()
        folder = Path(args.save_dir) / name
        entry: dict[str, Any] = {"model": name, "device": torch.cuda.get_device_name(),
                                 "torch": torch.__version__, "transformers": transformers.__version__}
        entry.update(build_and_save(name, folder))
        entry.update(time_calibration(folder, args))
        if args.tf32:
            t = time_calibration(folder, args, tf32=True)
            entry.update({"tf32_ms_per_pass": t["ms_per_pass"], "tf32_tokens_per_s": t["tokens_per_s"], "tf32_times_ms": t["times_ms"]})
        if args.decode:
            entry.update(time_decode(folder, args))
        results.append(entry)
        print(json.dumps(entry), flush=True)
    if args.out_json:
        Path(args.out_json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
