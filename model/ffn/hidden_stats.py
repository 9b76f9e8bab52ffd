"""What the hidden layer of a random FFN looks like on random tokens."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from model.ffn.activations import GLU_VARIANTS
from model.ffn.layers import FeedForward, GatedFeedForward
from model.util import seeded


@dataclass(frozen=True)
class HiddenStats:
    counts: np.ndarray  # histogram of hidden coefficients
    edges: np.ndarray
    frac_zero: float  # exactly 0.0: ReLU's sparsity
    frac_negative: float  # below 0: GELU/SiLU let small negatives through
    shapes: list[tuple[str, tuple[int, ...]]]
    n_params: int


def random_ffn_hidden(d_model: int, d_ff: int, kind: str, n_tokens: int = 64,
                      seed: int = 0, bins: int = 60) -> HiddenStats:
    """Run a freshly initialised FFN on N(0, 1) tokens; `kind` is an activation or a GLU name."""
    g = seeded.generator(seed)
    if kind in GLU_VARIANTS:
        ffn = seeded.build(lambda: GatedFeedForward(d_model, d_ff, GLU_VARIANTS[kind]), g)
    else:
        ffn = seeded.build(lambda: FeedForward(d_model, d_ff, kind), g)
    x = torch.randn(1, n_tokens, d_model, generator=g)
    with torch.no_grad():
        t = ffn.trace(x)
    h = t.hidden.flatten().numpy()
    counts, edges = np.histogram(h, bins=bins)
    shapes = [("input x", tuple(x.shape))]
    if t.up is not None:
        shapes += [("gate_proj(x)", tuple(t.gate.shape)), ("up_proj(x)", tuple(t.up.shape))]
    else:
        shapes += [("up_proj(x)", tuple(t.pre.shape))]
    shapes += [("hidden = activation", tuple(t.hidden.shape)), ("output", tuple(t.output.shape))]
    return HiddenStats(counts=counts, edges=edges, frac_zero=float(np.mean(h == 0.0)),
                       frac_negative=float(np.mean(h < 0.0)), shapes=shapes,
                       n_params=sum(p.numel() for p in ffn.parameters()))
