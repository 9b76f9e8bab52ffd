"""The position-wise feed-forward network, textbook and gated.

References: Vaswani et al. 2017 (FFN(x) = act(x W1 + b1) W2 + b2); Shazeer 2020,
"GLU Variants Improve Transformer" (SwiGLU/GeGLU/ReGLU); Touvron et al. 2023
(LLaMA: gate_proj/up_proj/down_proj, no biases). Attribute names follow the
LLaMA checkpoint so real weights load as they are.

`trace()` returns every intermediate a page wants to plot. Modules keep no
per-call state: one instance may serve many sessions at once.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from model.ffn import activations


@dataclass
class FFNTrace:
    """Intermediates of one FFN call, each (..., features)."""

    pre: Tensor  # pre-activation: up_proj(x) for dense, gate_proj(x) for gated
    hidden: Tensor  # coefficients fed into down_proj: act(pre) or act(gate)*up, after any scale
    output: Tensor  # (..., d_model)
    up: Tensor | None = None  # gated only: up_proj(x)

    @property
    def gate(self) -> Tensor | None:
        return self.pre if self.up is not None else None


def _scaled(hidden: Tensor, scale: Tensor | None) -> Tensor:
    """Intervention: multiply each neuron's coefficient (0 switches it off)."""
    return hidden if scale is None else hidden * scale


class FeedForward(nn.Module):
    """Linear(d_model -> d_ff) -> activation -> Linear(d_ff -> d_model) -> dropout."""

    def __init__(self, d_model: int, d_ff: int, activation: str = "gelu",
                 dropout: float = 0.0, bias: bool = True):
        super().__init__()
        activations.get(activation)  # fail early on an unknown name
        self.activation = activation
        self.up_proj = nn.Linear(d_model, d_ff, bias=bias)
        self.down_proj = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def trace(self, x: Tensor, scale: Tensor | None = None) -> FFNTrace:
        pre = self.up_proj(x)
        hidden = _scaled(activations.apply(self.activation, pre), scale)
        return FFNTrace(pre=pre, hidden=hidden, output=self.dropout(self.down_proj(hidden)))

    def forward(self, x: Tensor) -> Tensor:
        return self.trace(x).output


class GatedFeedForward(nn.Module):
    """down_proj(act(gate_proj(x)) * up_proj(x)): SwiGLU (silu), GeGLU (gelu), ReGLU (relu)."""

    def __init__(self, d_model: int, d_ff: int, activation: str = "silu",
                 dropout: float = 0.0, bias: bool = False):
        super().__init__()
        activations.get(activation)
        self.activation = activation
        self.gate_proj = nn.Linear(d_model, d_ff, bias=bias)
        self.up_proj = nn.Linear(d_model, d_ff, bias=bias)
        self.down_proj = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def trace(self, x: Tensor, scale: Tensor | None = None) -> FFNTrace:
        gate, up = self.gate_proj(x), self.up_proj(x)
        hidden = _scaled(activations.apply(self.activation, gate) * up, scale)
        return FFNTrace(pre=gate, hidden=hidden, output=self.dropout(self.down_proj(hidden)), up=up)

    def forward(self, x: Tensor) -> Tensor:
        return self.trace(x).output


def make_ffn(kind: str, d_model: int, d_ff: int, activation: str, bias: bool,
             dropout: float = 0.0) -> nn.Module:
    """One dense ('dense') or gated ('gated') FFN."""
    if kind == "dense":
        return FeedForward(d_model, d_ff, activation, dropout, bias)
    if kind == "gated":
        return GatedFeedForward(d_model, d_ff, activation, dropout, bias)
    raise ValueError(f"unknown FFN kind {kind!r}; expected 'dense' or 'gated'")


@dataclass
class RoutingTrace:
    probs: Tensor  # (tokens, n_experts) softmax of the router logits
    experts: Tensor  # (tokens, top_k) chosen expert ids
    weights: Tensor  # (tokens, top_k) mixing weights, renormalised over the chosen
    output: Tensor  # (tokens, d_model)


class MoEFeedForward(nn.Module):
    """Sparse Mixture-of-Experts FFN as in Mixtral: a linear router picks top_k
    gated experts per token and mixes their outputs with renormalised softmax weights."""

    def __init__(self, d_model: int, d_ff: int, n_experts: int, top_k: int,
                 activation: str = "silu", bias: bool = False):
        super().__init__()
        if not 1 <= top_k <= n_experts:
            raise ValueError(f"top_k must be in [1, n_experts={n_experts}], got {top_k}")
        self.top_k = top_k
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(
            GatedFeedForward(d_model, d_ff, activation, bias=bias) for _ in range(n_experts))

    def route(self, x: Tensor) -> RoutingTrace:
        flat = x.reshape(-1, x.shape[-1])
        logits = self.router(flat)
        probs = logits.softmax(-1)
        top_logits, chosen = logits.topk(self.top_k, dim=-1)
        weights = top_logits.softmax(-1)
        out = torch.zeros_like(flat)
        for e, expert in enumerate(self.experts):
            rows, slot = (chosen == e).nonzero(as_tuple=True)
            if rows.numel():
                out.index_add_(0, rows, weights[rows, slot, None] * expert(flat[rows]))
        return RoutingTrace(probs=probs, experts=chosen, weights=weights,
                            output=out.reshape(x.shape))

    def forward(self, x: Tensor) -> Tensor:
        return self.route(x).output
