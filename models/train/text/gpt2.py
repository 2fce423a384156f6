"""A minimal GPT-2 in plain PyTorch with Hugging Face's parameter names and shapes.

transformer.wte / wpe / h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj} / ln_f;
Conv1D weights stored (in, out); gelu_new; lm_head tied to wte. `forward` takes an optional
key/value cache so the same module exports the "with past" decoder transformers.js runs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 4096
    n_positions: int = 512
    n_embd: int = 192
    n_layer: int = 4
    n_head: int = 6

    def to_dict(self) -> dict:
        return asdict(self)


class Conv1D(nn.Module):
    def __init__(self, nx: int, nf: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.02)
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight + self.bias


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


class Attention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.head_dim = cfg.n_embd // cfg.n_head
        self.c_attn = Conv1D(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = Conv1D(cfg.n_embd, cfg.n_embd)

    def forward(self, x, mask, past_k=None, past_v=None):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, self.head_dim).transpose(1, 2) for z in (q, k, v))
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        att = att.masked_fill(~mask, torch.finfo(att.dtype).min)
        y = F.softmax(att, dim=-1) @ v
        y = y.transpose(1, 2).reshape(b, t, c)
        return self.c_proj(y), k, v


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.c_fc = Conv1D(cfg.n_embd, 4 * cfg.n_embd)
        self.c_proj = Conv1D(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=1e-5)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=1e-5)
        self.mlp = MLP(cfg)

    def forward(self, x, mask, past_k=None, past_v=None):
        a, k, v = self.attn(self.ln_1(x), mask, past_k, past_v)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, k, v


class Transformer(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.h = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=1e-5)


class GPT2(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.transformer = Transformer(cfg)
        nn.init.normal_(self.transformer.wte.weight, std=0.02)
        nn.init.normal_(self.transformer.wpe.weight, std=0.01)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layer))

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [B,T]; attention_mask [B, past+T] (1 = attend); position_ids [B,T];
        past: list of (k, v) [B, H, past, D] per layer. Returns logits [B,T,V] and the new cache."""
        b, t = input_ids.shape
        past_len = past[0][0].shape[2] if past is not None else 0
        total = past_len + t
        if position_ids is None:
            position_ids = torch.arange(past_len, total, device=input_ids.device)[None].expand(b, t)
        x = self.transformer.wte(input_ids) + self.transformer.wpe(position_ids)
        # causal mask offset by the cache length, AND the padding mask; arange comparisons, no tril,
        # so it exports with dynamic shapes
        qpos = torch.arange(t, device=input_ids.device)[:, None] + past_len
        kpos = torch.arange(total, device=input_ids.device)[None, :]
        mask = (kpos <= qpos)[None, None]
        if attention_mask is not None:
            mask = mask & attention_mask[:, None, None, :].bool()
        presents = []
        for i, block in enumerate(self.transformer.h):
            pk, pv = past[i] if past is not None else (None, None)
            x, k, v = block(x, mask, pk, pv)
            presents.append((k, v))
        x = self.transformer.ln_f(x)
        logits = x @ self.transformer.wte.weight.t()
        return logits, presents
