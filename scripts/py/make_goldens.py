#!/usr/bin/env python3
"""Tiny random Hugging Face checkpoints of every supported family, with golden logits.

Run on a machine with torch + transformers (the H200 device machine has torch 2.11 and
transformers 5.17):

    python3 scripts/py/make_goldens.py [--out fixtures/goldens] [--only NAME ...]

For every case below it builds a random model from a config (tiny shapes: D=64, H=4, K=2,
E=16 (24 in one), I=96, V=256), gives it non-trivial weights (std 0.2, norms around 1, or
around 0 for Gemma's (1 + w) norms), saves it with save_pretrained (safetensors; one case in
bf16, one sharded, the rest f32), then RELOADS the saved folder with
AutoModelForCausalLM.from_pretrained(dtype=float32, attn_implementation="eager") on the CPU
and writes golden.json beside the weights:

    input_ids  [B=2][T=32]       random ids (fixed seed)
    logits     [B][T][V]         fp32 eager logits, 6 significant digits
    nll        [B][T-1]          -log softmax(logits[b, t])[input_ids[b, t+1]]
    mean_nll                     mean of nll over all B*(T-1) predictions
    checks                       {feature: max |logits - logits with the feature switched off|}
                                 (shows that sliding windows, softcaps, rope scaling bind)

Each case is independent: a failing one is reported and the rest still run; the exit
status is non-zero when any case failed.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
import transformers
from transformers import AutoModelForCausalLM
from transformers.models.auto.configuration_auto import CONFIG_MAPPING

SEED = 1234
BATCH = 2
SEQ = 32
VOCAB = 256
WEIGHT_STD = 0.2
BIAS_STD = 0.1
NORM_STD = 0.1

# Shared tiny shapes: D hidden, H heads, K kv heads, E head dim, I ffn, V vocab.
BASE: dict[str, Any] = dict(
    vocab_size=VOCAB,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    max_position_embeddings=128,
    tie_word_embeddings=True,
)

# Families whose RMSNorm computes x * (1 + w): their norm weights live around 0.
ZERO_CENTRED_NORMS = {"gemma", "gemma2", "gemma3_text"}


@dataclass
class Case:
    name: str
    model_type: str
    config: dict[str, Any]
    store_dtype: torch.dtype = torch.float32
    max_shard_size: str | None = None
    # feature name -> function that turns config.json's dict into one with the feature off
    ablations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def with_base(**overrides: Any) -> dict[str, Any]:
    cfg = dict(BASE)
    cfg.update(overrides)
    return cfg


def set_key(key: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(cfg: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(cfg)
        out[key] = value
        return out
    return apply


def set_rope(value: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return set_key("rope_parameters", value)


SLIDING_NOTE = "sliding window W: query q attends keys k with q - W < k <= q (W keys, itself included)"

CASES: list[Case] = [
    Case(
        name="llama-rope3",
        model_type="llama",
        config=with_base(
            rope_parameters={
                "rope_type": "llama3",
                "rope_theta": 10000.0,
                "factor": 4.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                # small so that the llama3 band (wavelengths 4..16) binds at E=16
                "original_max_position_embeddings": 16,
            },
        ),
        ablations={"rope_llama3": set_rope({"rope_type": "default", "rope_theta": 10000.0})},
        notes=["tied embeddings", "llama3 rope scaling in rope_parameters"],
    ),
    Case(
        name="llama-bias-sharded",
        model_type="llama",
        config=with_base(
            head_dim=24,  # E != D/H: q_proj is [H*E=96, D=64], o_proj [D, 96]
            attention_bias=True,
            mlp_bias=True,
            tie_word_embeddings=False,
            rope_parameters={"rope_type": "default", "rope_theta": 50000.0},
        ),
        max_shard_size="100KB",
        notes=["untied lm_head", "q/k/v/o and gate/up/down biases", "head_dim 24 != hidden/heads",
               "sharded safetensors with model.safetensors.index.json"],
    ),
    Case(
        name="mistral-swa",
        model_type="mistral",
        config=with_base(sliding_window=8, rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
        ablations={"sliding_window": set_key("sliding_window", None)},
        notes=["sliding_window 8 < sequence 32, every layer", SLIDING_NOTE],
    ),
    Case(
        name="qwen2-bf16",
        model_type="qwen2",
        config=with_base(rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        store_dtype=torch.bfloat16,
        notes=["q/k/v biases (no o bias)", "stored in bf16; goldens are fp32 compute over the stored bf16 weights"],
    ),
    Case(
        name="qwen3",
        model_type="qwen3",
        config=with_base(rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        notes=["per-head RMSNorm on q and k (q_norm, k_norm over E) before rope"],
    ),
    Case(
        name="gemma",
        model_type="gemma",
        config=with_base(rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
        notes=["RMSNorm x * (1 + w)", "embeddings scaled by sqrt(D)", "gelu_pytorch_tanh MLP"],
    ),
    Case(
        name="gemma2",
        model_type="gemma2",
        config=with_base(
            query_pre_attn_scalar=24,  # scores scaled by 24^-0.5, not E^-0.5
            attn_logit_softcapping=5.0,
            final_logit_softcapping=3.0,
            sliding_window=8,
            layer_types=["sliding_attention", "full_attention"],
            rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        ),
        ablations={
            "sliding_window": set_key("sliding_window", 4096),
            "attn_logit_softcapping": set_key("attn_logit_softcapping", None),
            "final_logit_softcapping": set_key("final_logit_softcapping", None),
            "query_pre_attn_scalar": set_key("query_pre_attn_scalar", 16),
        },
        notes=["pre/post attention and feed-forward norms", "softcaps 5 (scores) and 3 (logits)",
               "layer 0 sliding window 8, layer 1 full", SLIDING_NOTE],
    ),
    Case(
        name="gemma3-text",
        model_type="gemma3_text",
        config=with_base(
            num_hidden_layers=3,
            query_pre_attn_scalar=32,
            sliding_window=8,
            layer_types=["sliding_attention", "sliding_attention", "full_attention"],
            rope_parameters={
                "full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 100000.0},
                "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
            },
        ),
        ablations={
            "sliding_window": set_key("sliding_window", 4096),
            "per_layer_type_rope": set_rope({
                "full_attention": {"rope_type": "default", "rope_theta": 10000.0},
                "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
            }),
        },
        notes=["Gemma3ForCausalLM", "q_norm/k_norm (1 + w)", "layers 0-1 sliding window 8, layer 2 full",
               "rope per layer type: full linear x4 theta 1e5, sliding default theta 1e4", SLIDING_NOTE],
    ),
]


def randomise(model: torch.nn.Module, model_type: str, gen: torch.Generator) -> None:
    """Overwrite every parameter with seeded random values (std 0.2; norms near 1 or 0)."""
    norm_centre = 0.0 if model_type in ZERO_CENTRED_NORMS else 1.0
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied weights appear once
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if "norm" in name:
                value = norm_centre + NORM_STD * noise
            elif name.endswith(".bias"):
                value = BIAS_STD * noise
            else:
                value = WEIGHT_STD * noise
            p.copy_(value.to(p.dtype))


def load_fp32(folder: Path, config: Any | None = None) -> torch.nn.Module:
    kwargs: dict[str, Any] = dict(dtype=torch.float32, attn_implementation="eager")
    if config is not None:
        kwargs["config"] = config
    model = AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)
    model.eval()
    return model


@torch.no_grad()
def forward_logits(model: torch.nn.Module, ids: torch.Tensor) -> torch.Tensor:
    return model(input_ids=ids).logits.float()  # [B, T, V]


def sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def build_case(case: Case, out_root: Path) -> dict[str, Any]:
    gen = torch.Generator().manual_seed(SEED + sum(map(ord, case.name)))
    config = CONFIG_MAPPING[case.model_type](**case.config)
    model = AutoModelForCausalLM.from_config(config)
    randomise(model, case.model_type, gen)
    model = model.to(case.store_dtype)

    folder = out_root / case.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    save_kwargs: dict[str, Any] = {}
    if case.max_shard_size:
        save_kwargs["max_shard_size"] = case.max_shard_size
    model.save_pretrained(str(folder), **save_kwargs)

    # Goldens come from the saved folder, exactly as a user's copy would load.
    ref = load_fp32(folder)
    ids = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
    logits = forward_logits(ref, ids)  # [B, T, V]
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp[:, :-1, :].gather(-1, ids[:, 1:, None]).squeeze(-1)  # [B, T-1]
    mean_nll = float(nll.double().mean())

    saved_config = json.loads((folder / "config.json").read_text())
    checks: dict[str, float] = {}
    for feature, switch_off in case.ablations.items():
        alt_dict = switch_off(saved_config)
        alt_config = CONFIG_MAPPING[case.model_type].from_dict(alt_dict)
        alt = load_fp32(folder, alt_config)
        diff = float((forward_logits(alt, ids) - logits).abs().max())
        checks[feature] = sig(diff, 4)
        if diff < 1e-3:
            print(f"WARNING {case.name}: switching off {feature} changed logits by only {diff:.2e}", flush=True)

    files = sorted(p.name for p in folder.iterdir())
    n_params = sum(p.numel() for p in ref.parameters())
    golden = {
        "name": case.name,
        "model_type": case.model_type,
        "architecture": type(ref).__name__,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "stored_dtype": str(case.store_dtype).replace("torch.", ""),
        "compute": "fp32 eager attention over the stored weights (CPU), transformers AutoModelForCausalLM",
        "seed": SEED,
        "params": n_params,
        "files": files,
        "notes": case.notes,
        "checks_max_abs_logit_change_when_off": checks,
        "batch": BATCH,
        "seq": SEQ,
        "vocab": VOCAB,
        "input_ids": ids.tolist(),
        "mean_nll": mean_nll,
        "nll": [[sig(v, 7) for v in row] for row in nll.tolist()],
        "logits": [[[sig(v, 6) for v in pos] for pos in seq] for seq in logits.tolist()],
    }
    (folder / "golden.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    size = sum(p.stat().st_size for p in folder.iterdir())
    summary = {
        "name": case.name, "architecture": golden["architecture"], "params": n_params,
        "bytes": size, "files": files, "mean_nll": round(mean_nll, 6),
        "logit_std": round(float(logits.std()), 4), "checks": checks,
    }
    if not math.isfinite(mean_nll):
        raise RuntimeError(f"{case.name}: non-finite mean NLL")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures/goldens", help="output folder (one sub-folder per case)")
    parser.add_argument("--only", nargs="*", default=None, help="case names to build (default: all)")
    args = parser.parse_args()

    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    out_root = Path(args.out)
    out_root.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        try:
            print(json.dumps(build_case(case, out_root)), flush=True)
        except Exception:  # keep going: one family's failure must not hide the others
            failed.append(case.name)
            print(f"FAILED {case.name}", file=sys.stderr, flush=True)
            traceback.print_exc()
    total = sum(f.stat().st_size for f in out_root.rglob("*") if f.is_file())
    print(json.dumps({"transformers": transformers.__version__, "torch": torch.__version__,
                      "total_bytes": total, "failed": failed}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
