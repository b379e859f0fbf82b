#!/usr/bin/env python3
"""Check exported (or original) model folders with Hugging Face transformers.

    python3 scripts/py/check_export.py MODEL_DIR [MODEL_DIR ...] TEXT_FILE
        [--tokens N] [--seq S] [--text-bytes B] [--reference CORPUS] [--tol 1e-4]

For each folder: loads it with AutoModelForCausalLM (fp32, eager attention, TF32 off) and
AutoTokenizer (must load), encodes TEXT_FILE with tokenizers.Tokenizer.from_file(tokenizer.json)
without special tokens, and runs the evaluation protocol of DESIGN.md: keep the first N tokens
(N=0: all), cut them into consecutive windows of S (a last partial window is dropped), run
each window on its own with no BOS, mean NLL over positions 1..S-1 of every window.
--text-bytes B first cuts the text to its first B UTF-8 bytes (at a character boundary), as
the anchors' bits-per-byte protocol does (--text-bytes 65536 --tokens 0 --seq 256).

Prints one JSON line per folder:
  {model, tokens, windows, predicted, mean_nll, ppl, bits_per_byte, predicted_bytes,
   roundtrip_ok, autotokenizer_loaded, autotokenizer_class, autotokenizer_ids_agree,
   vocab_size, tokenizer_vocab_size, intermediate_size, ...}
roundtrip_ok: decode(encode(text[:20000])) == text[:20000] through `tokenizers`.
--reference CORPUS compares mean_nll with MODEL_DIR/reference.json
results[CORPUS]["n{N}_s{S}"] (and the ids with ids_first_4096) within --tol.
Exit status 1 when any folder fails to load, fails the round trip or misses its reference.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer

ROUNDTRIP_CHARS = 20000
BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def disable_tf32() -> list[str]:
    """fp32 matmuls in full precision; returns the errors seen (newer torch may refuse one API)."""
    errors: list[str] = []
    for step in (
        lambda: torch.set_float32_matmul_precision("highest"),
        lambda: setattr(torch.backends.cuda.matmul, "allow_tf32", False),
        lambda: setattr(torch.backends.cudnn, "allow_tf32", False),
    ):
        try:
            step()
        except Exception as err:  # noqa: BLE001 - recorded, not fatal
            errors.append(repr(err))
    return errors


@lru_cache(maxsize=1)
def byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode: byte-level symbol -> byte value."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def uses_byte_level(spec: dict[str, Any]) -> bool:
    return '"ByteLevel"' in json.dumps(spec.get("pre_tokenizer")) or '"ByteLevel"' in json.dumps(spec.get("decoder"))


def token_byte_lengths(tok: Tokenizer, spec: dict[str, Any]) -> list[int]:
    """UTF-8 bytes each token stands for: '▁' = 1 byte, <0xXX> = 1 byte, byte-level symbols mapped back."""
    byte_level = uses_byte_level(spec)
    decoder = byte_decoder()
    added = {t["content"] for t in spec.get("added_tokens", [])}
    vocab = tok.get_vocab(with_added_tokens=True)
    lengths = [0] * (max(vocab.values()) + 1)
    for piece, idx in vocab.items():
        if piece in added:
            n = len(piece.encode("utf-8"))
        elif byte_level and all(ch in decoder for ch in piece):
            n = len(piece)
        elif BYTE_TOKEN.fullmatch(piece):
            n = 1
        else:
            n = len(piece.replace("▁", " ").encode("utf-8"))
        lengths[idx] = n
    return lengths


def load_text(path: Path, text_bytes: int) -> str:
    text = path.read_text(encoding="utf-8")
    if text_bytes > 0:
        text = text.encode("utf-8")[:text_bytes].decode("utf-8", errors="ignore")
    return text


@torch.no_grad()
def windowed_nll(model: torch.nn.Module, ids: list[int], seq: int, batch: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """NLL [W, S-1] of every predicted position and the targets [W, S-1], windows of S, no BOS."""
    windows = len(ids) // seq
    x = torch.tensor(ids[: windows * seq], dtype=torch.long).view(windows, seq)  # [W, S]
    out = []
    for start in range(0, windows, batch):
        chunk = x[start:start + batch].to(device)
        logits = model(input_ids=chunk).logits.float()  # [w, S, V]
        logp = torch.log_softmax(logits[:, :-1, :], dim=-1)
        out.append((-logp.gather(-1, chunk[:, 1:, None]).squeeze(-1)).double().cpu())  # [w, S-1]
        del logits, logp
    return torch.cat(out, 0), x[:, 1:]


def check_one(folder: Path, text: str, args: argparse.Namespace, device: str) -> dict[str, Any]:
    result: dict[str, Any] = {"model": str(folder)}
    started = time.time()
    spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))

    try:
        auto = AutoTokenizer.from_pretrained(str(folder))
        result["autotokenizer_loaded"] = True
        result["autotokenizer_class"] = type(auto).__name__
        sample = text[:2000]
        result["autotokenizer_ids_agree"] = auto.encode(sample, add_special_tokens=False) == tok.encode(sample, add_special_tokens=False).ids
    except Exception as err:  # noqa: BLE001 - reported in the JSON
        result["autotokenizer_loaded"] = False
        result["autotokenizer_error"] = f"{type(err).__name__}: {err}"

    head = text[:ROUNDTRIP_CHARS]
    result["roundtrip_ok"] = tok.decode(tok.encode(head, add_special_tokens=False).ids, skip_special_tokens=False) == head

    ids = tok.encode(text, add_special_tokens=False).ids
    result["total_tokens"] = len(ids)
    if args.tokens > 0:
        ids = ids[: args.tokens]

    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32, attn_implementation="eager").to(device)
    model.eval()
    cfg = model.config
    result["architecture"] = type(model).__name__
    result["vocab_size"] = int(cfg.vocab_size)
    result["tokenizer_vocab_size"] = tok.get_vocab_size(with_added_tokens=True)
    result["intermediate_size"] = int(cfg.intermediate_size)
    result["params"] = sum(p.numel() for p in model.parameters())
    if ids and max(ids) >= cfg.vocab_size:
        raise ValueError(f"{folder}: token id {max(ids)} >= config vocab_size {cfg.vocab_size}")

    nll, targets = windowed_nll(model, ids, args.seq, args.batch, device)
    lengths = torch.tensor(token_byte_lengths(tok, spec), dtype=torch.long)
    predicted_bytes = int(lengths[targets].sum()) if targets.numel() else 0
    total = float(nll.sum())
    result.update({
        "tokens": int(nll.shape[0] * args.seq),
        "seq": args.seq,
        "windows": int(nll.shape[0]),
        "predicted": int(nll.numel()),
        "mean_nll": total / max(1, nll.numel()),
        "predicted_bytes": predicted_bytes,
    })
    result["ppl"] = math.exp(result["mean_nll"])
    result["bits_per_byte"] = total / math.log(2) / predicted_bytes if predicted_bytes else None

    if args.reference:
        ref_path = folder / "reference.json"
        ref = json.loads(ref_path.read_text())["results"][args.reference]
        key = f"n{args.tokens}_s{args.seq}"
        ref_nll = ref[key]["mean_nll"]
        result["reference_key"] = f"{args.reference}.{key}"
        result["reference_mean_nll"] = ref_nll
        result["nll_abs_diff"] = abs(result["mean_nll"] - ref_nll)
        ref_ids = ref.get("ids_first_4096")
        if ref_ids is not None and args.text_bytes == 0:
            n = min(len(ref_ids), len(ids))
            result["ids_match_reference"] = ids[:n] == ref_ids[:n]
        result["reference_ok"] = result["nll_abs_diff"] <= args.tol and result.get("ids_match_reference", True)
    result["seconds"] = round(time.time() - started, 2)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="MODEL_DIR [MODEL_DIR ...] TEXT_FILE")
    parser.add_argument("--tokens", type=int, default=4096, help="first N tokens (0 = all)")
    parser.add_argument("--seq", type=int, default=256, help="window length S")
    parser.add_argument("--text-bytes", type=int, default=0, help="cut the text to its first B UTF-8 bytes first (0 = whole text)")
    parser.add_argument("--batch", type=int, default=16, help="windows per forward")
    parser.add_argument("--reference", default=None, help="corpus key in MODEL_DIR/reference.json to compare with (e.g. tinystories)")
    parser.add_argument("--tol", type=float, default=1e-4, help="allowed |mean_nll - reference|")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    if len(args.paths) < 2:
        parser.error("give at least one MODEL_DIR and then TEXT_FILE")
    *folders, text_file = args.paths

    tf32_errors = disable_tf32()
    text = load_text(Path(text_file), args.text_bytes)
    ok = True
    for folder in folders:
        try:
            result = check_one(Path(folder), text, args, args.device)
            result["device"] = args.device
            if tf32_errors:
                result["tf32_errors"] = tf32_errors
            ok = ok and result["autotokenizer_loaded"] and result["roundtrip_ok"] and result.get("reference_ok", True)
        except Exception as err:  # noqa: BLE001 - one JSON line per folder, whatever happens
            traceback.print_exc()
            result = {"model": folder, "error": f"{type(err).__name__}: {err}"}
            ok = False
        print(json.dumps(result), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
