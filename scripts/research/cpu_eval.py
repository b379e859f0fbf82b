#!/usr/bin/env python3
"""Research only (not the product): a numpy CPU forward pass of Llama / Qwen2 (fp32 over the
stored weights, as transformers does in fp32) that evaluates pruned selections under the
benchmark protocol without a GPU.

A pruned model is the dense one with rows and channels removed, so it is evaluated as the dense
model restricted to the kept vocabulary rows (embedding + LM head) and the kept FFN channels
(every other channel's activation is zeroed, which equals slicing gate/up rows and down
columns). Texts come tokenized by the pruned tokenizer (select.ts), with ids mapped back to the
original ids and each token's byte count.

Protocol (docs/DESIGN.md): windows of 256, no BOS, partial last window dropped, NLL over
positions 1..S-1; bits/byte = sum NLL / ln 2 / bytes of the predicted tokens.
FFN criteria: act2 = sum_t h_tj^2 over the calibration windows; common-act2 = the same over
positions whose INPUT token is kept; out-act2 = act2 * ||W_down[:, j]||^2 (output-aware);
magnitude = ||W_down[:, j]|| (||W_gate[j]|| + ||W_up[j]||).
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np


def load_safetensors(folder: Path) -> dict:
    out = {}
    for f in sorted(folder.glob('*.safetensors')):
        raw = f.read_bytes()
        n = struct.unpack('<Q', raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        base = 8 + n
        for name, meta in header.items():
            if name == '__metadata__':
                continue
            a, b = meta['data_offsets']
            buf = raw[base + a:base + b]
            dt = meta['dtype']
            if dt == 'F32':
                arr = np.frombuffer(buf, dtype='<f4').copy()
            elif dt == 'BF16':
                arr = (np.frombuffer(buf, dtype='<u2').astype(np.uint32) << 16).view(np.float32)
            elif dt == 'F16':
                arr = np.frombuffer(buf, dtype='<f2').astype(np.float32)
            else:
                raise ValueError(f'{f}: dtype {dt} of {name} not handled')
            out[name] = arr.reshape(meta['shape'])
    return out


class Model:
    def __init__(self, folder: str):
        folder = Path(folder)
        c = json.loads((folder / 'config.json').read_text())
        self.c = c
        self.w = load_safetensors(folder)
        self.D = c['hidden_size']
        self.L = c['num_hidden_layers']
        self.H = c['num_attention_heads']
        self.K = c.get('num_key_value_heads', self.H)
        self.E = c.get('head_dim') or self.D // self.H
        self.I = c['intermediate_size']
        self.eps = c.get('rms_norm_eps', 1e-6)
        rp = c.get('rope_parameters') or {}
        self.theta = rp.get('rope_theta', c.get('rope_theta', 10000.0))
        self.embed = self.w['model.embed_tokens.weight']
        self.head = self.embed if c.get('tie_word_embeddings') else self.w['lm_head.weight']
        self.V = self.embed.shape[0]

    def p(self, l, name):
        return self.w[f'model.layers.{l}.{name}']

    def pt(self, l, name):
        """a layer's weight transposed, contiguous (so matmuls go through BLAS), cached."""
        key = f'T:{l}:{name}'
        if key not in self.w:
            self.w[key] = np.ascontiguousarray(self.p(l, name).T)
        return self.w[key]

    @staticmethod
    def mm(x, wt):
        """[..., K] @ [K, N] as one 2-D BLAS call."""
        return (x.reshape(-1, x.shape[-1]) @ wt).reshape(*x.shape[:-1], wt.shape[1])

    def rms(self, x, w):
        var = np.mean(x * x, axis=-1, keepdims=True)
        return x / np.sqrt(var + self.eps) * w

    def rope(self, S):
        inv = 1.0 / (self.theta ** (np.arange(0, self.E, 2, dtype=np.float64) / self.E))
        f = np.outer(np.arange(S, dtype=np.float64), inv)
        emb = np.concatenate([f, f], axis=-1)
        return np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)

    @staticmethod
    def rot(x, cos, sin):
        h = x.shape[-1] // 2
        r = np.concatenate([-x[..., h:], x[..., :h]], axis=-1)
        return x * cos + r * sin

    def forward(self, ids, ffn_keep=None, hook=None):
        """ids [B, S] -> final hidden [B, S, D]. ffn_keep: per layer bool [I] or None.
        hook(l, h [B, S, I]) sees the FFN intermediate before channel removal."""
        B, S = ids.shape
        x = self.embed[ids].astype(np.float32)
        cos, sin = self.rope(S)
        mask = np.triu(np.full((S, S), -np.inf, dtype=np.float32), 1)
        for l in range(self.L):
            h = self.rms(x, self.p(l, 'input_layernorm.weight'))
            q = self.mm(h, self.pt(l, 'self_attn.q_proj.weight'))
            k = self.mm(h, self.pt(l, 'self_attn.k_proj.weight'))
            v = self.mm(h, self.pt(l, 'self_attn.v_proj.weight'))
            for name, t in (('q', q), ('k', k), ('v', v)):
                b = self.w.get(f'model.layers.{l}.self_attn.{name}_proj.bias')
                if b is not None:
                    t += b
            q = q.reshape(B, S, self.H, self.E).transpose(0, 2, 1, 3)
            k = k.reshape(B, S, self.K, self.E).transpose(0, 2, 1, 3)
            v = v.reshape(B, S, self.K, self.E).transpose(0, 2, 1, 3)
            q, k = np.ascontiguousarray(self.rot(q, cos, sin)), np.ascontiguousarray(self.rot(k, cos, sin))
            rep = self.H // self.K
            k = np.repeat(k, rep, axis=1)
            v = np.ascontiguousarray(np.repeat(v, rep, axis=1))
            att = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2)) / math.sqrt(self.E) + mask
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            o = (att @ v).transpose(0, 2, 1, 3).reshape(B, S, self.H * self.E)
            x = x + self.mm(o, self.pt(l, 'self_attn.o_proj.weight'))
            h = self.rms(x, self.p(l, 'post_attention_layernorm.weight'))
            g = self.mm(h, self.pt(l, 'mlp.gate_proj.weight'))
            u = self.mm(h, self.pt(l, 'mlp.up_proj.weight'))
            a = g / (1.0 + np.exp(-g)) * u
            if hook is not None:
                hook(l, a)
            if ffn_keep is not None:
                a = a * ffn_keep[l]
            x = x + self.mm(a, self.pt(l, 'mlp.down_proj.weight'))
        return self.rms(x, self.w['model.norm.weight'])

    def calib_stats(self, calib, seq, keep_mask):
        """act2 and common-act2 (input token kept) per layer over the calibration windows."""
        ids = np.asarray(calib, dtype=np.int64).reshape(-1, seq)
        act2 = np.zeros((self.L, self.I))
        common = np.zeros((self.L, self.I))
        for b0 in range(0, ids.shape[0], 4):
            batch = ids[b0:b0 + 4]
            wts = keep_mask[batch].astype(np.float32) if keep_mask is not None else np.ones(batch.shape, np.float32)

            def hook(l, a):
                a2 = (a.astype(np.float64) ** 2)
                act2[l] += a2.sum(axis=(0, 1))
                common[l] += np.einsum('bs,bsi->i', wts, a2)
            self.forward(batch, hook=hook)
        return act2, common

    def magnitude(self):
        out = np.zeros((self.L, self.I))
        for l in range(self.L):
            d = np.linalg.norm(self.p(l, 'mlp.down_proj.weight'), axis=0)
            g = np.linalg.norm(self.p(l, 'mlp.gate_proj.weight'), axis=1)
            u = np.linalg.norm(self.p(l, 'mlp.up_proj.weight'), axis=1)
            out[l] = d * (g + u)
        return out

    def down_norm2(self):
        return np.stack([np.linalg.norm(self.p(l, 'mlp.down_proj.weight'), axis=0) ** 2 for l in range(self.L)])

    def evaluate(self, ids, nbytes, kept, ffn_keep, seq=256):
        """bits/byte of ids (original id space, tokenized by the pruned tokenizer)."""
        ids = np.asarray(ids, dtype=np.int64)
        nbytes = np.asarray(nbytes, dtype=np.float64)
        W = ids.size // seq
        ids = ids[:W * seq].reshape(W, seq)
        nb = nbytes[:W * seq].reshape(W, seq)
        if kept is None:
            head = self.head
            remap = ids
        else:
            kept = np.asarray(kept, dtype=np.int64)
            head = self.head[kept]
            lut = np.full(self.V, -1, dtype=np.int64)
            lut[kept] = np.arange(kept.size)
            remap = lut[ids]
            assert (remap >= 0).all(), 'a token of the text is not in the kept vocabulary'
        headT = np.ascontiguousarray(head.T)
        nll = 0.0
        for b0 in range(0, W, 8):
            x = self.forward(ids[b0:b0 + 8], ffn_keep=ffn_keep)
            logits = self.mm(np.ascontiguousarray(x[:, :-1]), headT)  # predicts positions 1..S-1
            m = logits.max(-1, keepdims=True)
            lse = (m[..., 0] + np.log(np.exp(logits - m).sum(-1))).astype(np.float64)
            tgt = remap[b0:b0 + 8, 1:]
            picked = np.take_along_axis(logits, tgt[..., None], axis=-1)[..., 0]
            nll += float((lse - picked).sum())
        total_bytes = float(nb[:, 1:].sum())
        n = W * (seq - 1)
        return {'bits_per_byte': nll / math.log(2) / total_bytes, 'mean_nll': nll / n, 'predicted': n, 'bytes': total_bytes}


def top_channels(scores, keep):
    """bool [L, I]: each layer's top `keep` channels (ties: lower index, as the engine's stable sort)."""
    L, I = scores.shape
    out = np.zeros((L, I), dtype=np.float32)
    for l in range(L):
        order = sorted(range(I), key=lambda j: (-scores[l, j], j))
        out[l, order[:keep]] = 1
    return out


def main():
    model_dir, sel_path, out_path = sys.argv[1:4]
    m = Model(model_dir)
    sel = json.loads(Path(sel_path).read_text())
    calib = sel['calib']
    stats_cache = {}
    act2_all = None
    results = []
    for job in sel['jobs']:
        kept = job['kept']
        ffn = job.get('ffnKeep', m.I)
        crit = job.get('criterion', 'common-act2')
        keep_mask = None
        if kept is not None:
            keep_mask = np.zeros(m.V, dtype=bool)
            keep_mask[np.asarray(kept)] = True
        ffn_keep = None
        if ffn < m.I:
            if act2_all is None:
                act2_all = m.calib_stats(calib, 512, None)[0]
            if crit == 'act2':
                scores = act2_all
            elif crit == 'magnitude':
                scores = m.magnitude()
            elif crit in ('common-act2', 'out-common-act2'):
                dropped = tuple(sorted(set(calib) - set(kept))) if kept is not None else ()
                if dropped not in stats_cache:
                    stats_cache[dropped] = act2_all if not dropped else m.calib_stats(calib, 512, keep_mask)[1]
                scores = stats_cache[dropped]
                if crit == 'out-common-act2':
                    scores = scores * m.down_norm2()
            elif crit == 'out-act2':
                scores = act2_all * m.down_norm2()
            else:
                raise ValueError(crit)
            ffn_keep = top_channels(scores, ffn)
        r = {'name': job['name'], 'vocabKeep': len(kept) if kept else m.V, 'ffnKeep': ffn, 'criterion': crit}
        for part in ('eval', 'select'):
            if part in job:
                r[part] = m.evaluate(job[part]['ids'], job[part]['bytes'], kept, ffn_keep)
        print(json.dumps(r), flush=True)
        results.append(r)
    Path(out_path).write_text(json.dumps(results, indent=1))




def probsum_main(model_dir, sel_path, out_path):
    """Sum over the calibration windows' positions of the model's next-token probabilities, per
    token id: the model's own estimate of how often each token comes next (an output-aware
    vocabulary score, smooth over tokens the calibration text never shows)."""
    m = Model(model_dir)
    calib = np.asarray(json.loads(Path(sel_path).read_text())['calib'], dtype=np.int64).reshape(-1, 512)
    headT = np.ascontiguousarray(m.head.T)
    total = np.zeros(m.V)
    for b0 in range(calib.shape[0]):
        x = m.forward(calib[b0:b0 + 1])[0]
        for t0 in range(0, x.shape[0], 128):
            logits = x[t0:t0 + 128] @ headT
            logits -= logits.max(-1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(-1, keepdims=True)
            total += p.sum(0)
    Path(out_path).write_text(json.dumps(total.tolist()))


if __name__ == '__main__':
    if sys.argv[1] == 'probsum':
        probsum_main(*sys.argv[2:5])
    else:
        main()
