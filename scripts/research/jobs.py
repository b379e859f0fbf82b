#!/usr/bin/env python3
"""Research: writes a jobs file (select.ts input) for a grid of reductions x shares x variants,
with the anchors' split rule: share s of R = r x dense params as ceil(s R / row cost) rows, the
rest as whole FFN channels (ceil). Usage: jobs.py MODEL_DIR OUT.json REDUCTIONS SHARES VARIANTS_JSON
VARIANTS_JSON: a list of {"tag", "order", "closure", "criterion", "countTokens"?, "ranking"?}."""
import json, math, sys
from pathlib import Path

model, out, reds, shares, variants = sys.argv[1:6]
c = json.loads(Path(model, 'config.json').read_text())
V, D, L, I = c['vocab_size'], c['hidden_size'], c['num_hidden_layers'], c['intermediate_size']
tied = bool(c.get('tie_word_embeddings'))
E = c.get('head_dim') or D // c['num_attention_heads']
K = c.get('num_key_value_heads', c['num_attention_heads'])
H = c['num_attention_heads']
qb = c['model_type'] == 'qwen2'
attn = L * (D * H * E * 2 + D * K * E * 2 + ((H * E + 2 * K * E) if qb else 0))
row = D * (1 if tied else 2)
chan = 3 * L * D
dense = V * row + attn + I * chan + D * (2 * L + 1)
always = {'stories260K': 259, 'llama-10m': 259, 'qwen2-14m': 257}[Path(model).name]
jobs = []
for r in map(float, reds.split(',')):
    for s in map(float, shares.split(',')):
        R = r / 100 * dense
        rows = math.ceil(s * R / row - 1e-9)
        if rows > V - always:
            continue
        ch = max(0, math.ceil((R - rows * row) / chan - 1e-9))
        if ch >= I:
            continue
        for v in json.loads(variants):
            jobs.append({'name': f"{v['tag']}@{r:g}@{s:g}", 'r': r, 'share': s, 'keep': V - rows, 'ffnKeep': I - ch, **v})
Path(out).write_text(json.dumps(jobs))
print(f'{len(jobs)} jobs, dense {dense}', file=sys.stderr)
