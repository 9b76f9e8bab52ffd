"""The FFN treats every position on its own; attention mixes positions.

Change one token of a sequence and compare what each layer outputs before and after.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from model.architectures.config import ModelConfig
from model.architectures.transformer import Attention
from model.ffn.layers import FeedForward
from model.util import seeded


@dataclass(frozen=True)
class PositionwiseResult:
    ffn_change: list[float]  # per position: ||FFN(x') - FFN(x)||
    attn_change: list[float]  # per position: ||Attn(x') - Attn(x)||
    ffn_others_equal: bool  # torch.allclose on every unchanged position
    attn_others_equal: bool


@torch.no_grad()
def compare(seq: int = 6, d_model: int = 16, changed: int = 2, causal: bool = False, seed: int = 0,
            change_seed: int = 1) -> PositionwiseResult:
    """Randomise position `changed` and measure every position's output change."""
    g = seeded.generator(seed)
    ffn = seeded.build(lambda: FeedForward(d_model, 4 * d_model, "gelu"), g)
    attn = seeded.build(lambda: Attention(ModelConfig(d_model=d_model, n_heads=2, attn_bias=True)), g)
    x = torch.randn(1, seq, d_model, generator=g)
    x2 = x.clone()
    x2[0, changed] = torch.randn(d_model, generator=seeded.generator(change_seed))
    f_delta = (ffn(x2) - ffn(x))[0].norm(dim=-1)
    a_delta = (attn(x2, causal=causal) - attn(x, causal=causal))[0].norm(dim=-1)
    others = [i for i in range(seq) if i != changed]
    return PositionwiseResult(
        f_delta.tolist(), a_delta.tolist(),
        bool(torch.allclose(ffn(x2)[0, others], ffn(x)[0, others])),
        bool(torch.allclose(attn(x2, causal=causal)[0, others], attn(x, causal=causal)[0, others])))
