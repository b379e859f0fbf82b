#!/usr/bin/env python3
"""Prints chosen keys of the JSON objects in a file (one per line; other lines are skipped), so a
GPU-machine log carries the numbers without the bulk.  summarize.py FILE key [key ...]
A key may be a dotted path (calib_by_precision.fast.tokens_s)."""
import json
import sys


def pick(d, path):
    for part in path.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


path, keys = sys.argv[1], sys.argv[2:]
with open(path, encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        print(json.dumps({k: pick(d, k) for k in keys}))
