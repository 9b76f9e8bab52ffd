"""The FFN treats every position on its own; attention mixes positions.

Change one token of a sequence and compare what each layer outputs before and after: the
FFN alone, attention alone, and the FFN as it runs in a real causal model, after attention
(FFN(x + Attn(x)), with the residual connection), where the change reaches every later position.
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
    after_attn_change: list[float]  # per position: ||FFN(x' + Attn(x')) - FFN(x + Attn(x))||, causal attention
    after_attn_before_equal: bool  # allclose on every position before the changed one
    after_attn_later_moved: bool  # the changed position and every later one moved


@torch.no_grad()
def compare(seq: int = 6, d_model: int = 16, changed: int = 2, causal: bool = False, seed: int = 0,
            change_seed: int = 1) -> PositionwiseResult:
    """Randomise position `changed` and measure every position's output change. `causal` is for
    attention alone; the FFN after attention is always in a causal (GPT-style) block."""
    g = seeded.generator(seed)
    ffn = seeded.build(lambda: FeedForward(d_model, 4 * d_model, "gelu"), g)
    attn = seeded.build(lambda: Attention(ModelConfig(d_model=d_model, n_heads=2, attn_bias=True)), g)
    x = torch.randn(1, seq, d_model, generator=g)
    x2 = x.clone()
    x2[0, changed] = torch.randn(d_model, generator=seeded.generator(change_seed))
    others = [i for i in range(seq) if i != changed]
    before = list(range(changed))

    def moved(f):
        a, b = f(x)[0], f(x2)[0]
        return (b - a).norm(dim=-1), lambda rows: bool(torch.allclose(b[rows], a[rows]))

    f_delta, f_same = moved(ffn)
    a_delta, a_same = moved(lambda t: attn(t, causal=causal))
    b_delta, b_same = moved(lambda t: ffn(t + attn(t, causal=True)))
    return PositionwiseResult(
        f_delta.tolist(), a_delta.tolist(), f_same(others), a_same(others),
        b_delta.tolist(), b_same(before), bool((b_delta[changed:] > 1e-6).all()))
