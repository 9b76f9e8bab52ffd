"""Two linear layers without an activation are one linear layer."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from model.ffn.layers import FeedForward
from model.util import seeded


@dataclass(frozen=True)
class Collapse:
    max_diff: float  # max |FFN(x) - (W x + b)| over the probe inputs
    rank: int  # rank of W = W2 W1
    d_model: int
    d_ff: int


@torch.no_grad()
def collapse(d_model: int, d_ff: int, activation: str, seed: int = 0, n: int = 256) -> Collapse:
    """Compare the two-layer FFN with the single matrix W2·W1 (and bias W2·b1 + b2)."""
    g = seeded.generator(seed)
    ffn = seeded.build(lambda: FeedForward(d_model, d_ff, activation, bias=True), g).double()
    w1, b1, w2, b2 = ffn.up_proj.weight, ffn.up_proj.bias, ffn.down_proj.weight, ffn.down_proj.bias
    W, b = w2 @ w1, w2 @ b1 + b2
    x = torch.randn(n, d_model, dtype=torch.float64, generator=g)
    diff = float((ffn(x) - (x @ W.T + b)).abs().max())
    return Collapse(diff, int(torch.linalg.matrix_rank(W)), d_model, d_ff)
