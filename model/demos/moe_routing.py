"""Route the tokens of a sentence through a Mixture-of-Experts FFN."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from model.ffn.layers import MoEFeedForward
from model.util import seeded

SENTENCE = "The quick brown fox jumps over the lazy dog while the cat sleeps"


@dataclass(frozen=True)
class Routing:
    tokens: list[str]
    probs: np.ndarray  # (tokens, n_experts) router softmax
    chosen: np.ndarray  # (tokens, top_k) expert ids
    weights: np.ndarray  # (tokens, top_k) mixing weights
    load: np.ndarray  # (n_experts,) tokens sent to each expert; sums to tokens * top_k


@torch.no_grad()
def route(sentence: str, n_experts: int, top_k: int, d_model: int = 32, seed: int = 0) -> Routing:
    """Words get fixed random embeddings (a word always maps to the same vector), so the
    same word is always routed the same way; the router is random too, and says so."""
    tokens = sentence.split() or ["(empty)"]
    g = seeded.generator(seed)
    moe = seeded.build(lambda: MoEFeedForward(d_model, 2 * d_model, n_experts, top_k), g)
    moe.router.weight.normal_(std=1.0 / d_model**0.5, generator=g)
    x = torch.stack([torch.randn(d_model, generator=seeded.generator(_word_seed(w))) for w in tokens])
    r = moe.route(x)
    load = np.bincount(r.experts.flatten().numpy(), minlength=n_experts)
    return Routing(tokens, r.probs.numpy(), r.experts.numpy(), r.weights.numpy(), load)


def _word_seed(word: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(word.lower())) % (2**31)
