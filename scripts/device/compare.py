#!/usr/bin/env python3
"""Side-by-side: compact-studio eval (ours.jsonl, 'dir' field) vs transformers (check_export.py lines, 'model' field).
Prints one row per folder and exits 1 if any |mean NLL diff| > 1e-3, a folder failed to load, or a round trip failed."""
import json, sys

ours = {}
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line); ours[r['dir'].rstrip('/')] = r
bad = 0
print(f"{'folder':40} {'V':>6} {'I':>5} {'ours mean_nll':>14} {'transformers':>14} {'|diff|':>9} {'bpb ours':>9} {'roundtrip':>9} {'AutoTok':>7}")
for line in open(sys.argv[2]):
    if not line.strip().startswith('{'):
        continue
    t = json.loads(line)
    key = str(t.get('model', '')).rstrip('/')
    o = ours.get(key)
    if o is None:
        print('no ours for', key); bad += 1; continue
    diff = abs(o['mean_nll'] - t['mean_nll'])
    # paper-literal folders (no merge closure) cannot round-trip SentencePiece text once '▁' is gone
    roundtrip_needed = 'noclosure' not in key
    ok = diff <= 1e-3 and (t.get('roundtrip_ok') or not roundtrip_needed) and t.get('autotokenizer_loaded') and o['predicted'] == t['predicted']
    bad += 0 if ok else 1
    print(f"{key.split('/')[-1]:40} {t.get('vocab_size'):>6} {t.get('intermediate_size'):>5} {o['mean_nll']:14.7f} {t['mean_nll']:14.7f} {diff:9.2e} {o['bits_per_byte']:9.4f} {str(t.get('roundtrip_ok')):>9} {str(t.get('autotokenizer_loaded')):>7}")
print('ALL OK' if bad == 0 else f'{bad} FAILED')
sys.exit(1 if bad else 0)
