"""Massive activations (Sun et al. 2024, "Massive Activations in Large Language Models", COLM).

A few residual-stream values, on the first token or a delimiter, reach thousands of times the
median value: written by one early FFN, then kept nearly constant through the later layers,
where they act as fixed biases (the attention sinks of Xiao et al. 2024). Sun et al. call a value
massive when it is above 100 and about 1,000 times the median magnitude of its layer's residual.
Here: where they are, who wrote them, and what the prediction does when they are set to zero or
to their mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from model.architectures.transformer import ModelTrace, Transformer
from model.lm.interventions import SetResidual, edited
from model.lm.readout import value_matrix

RATIO = 1000.0  # times the median |value| of the layer's residual stream (Sun et al. 2024)
FLOOR = 100.0  # and at least this large in absolute value (Sun et al. 2024)


def residuals(trace: ModelTrace) -> Tensor:
    """(L, T, d): the residual stream after each block, from the updates the trace keeps
    (pre-norm blocks add each sub-layer's update to the stream)."""
    return trace.embeddings + torch.cumsum(trace.attn_updates + trace.ffn_updates, dim=0)


@dataclass(frozen=True)
class Massive:
    dim: int
    position: int
    first_layer: int  # the first block after which it is massive
    last_layer: int  # the last block after which it still is
    value: float  # after first_layer
    ratio: float  # |value| over that layer's median |value|
    median: float


def find(trace: ModelTrace, ratio: float = RATIO, floor: float = FLOOR) -> list[Massive]:
    """Every (position, dimension) whose residual value is massive after some block, largest first."""
    res = residuals(trace)
    medians = res.abs().flatten(1).median(dim=1).values  # (L,)
    massive = (res.abs() >= ratio * medians[:, None, None]) & (res.abs() >= floor)  # (L, T, d)
    found = []
    for pos, dim in massive.any(0).nonzero().tolist():
        layers = massive[:, pos, dim].nonzero().flatten()
        first, last = int(layers[0]), int(layers[-1])
        v, med = float(res[first, pos, dim]), float(medians[first])
        found.append(Massive(dim, pos, first, last, v, abs(v) / med, med))
    return sorted(found, key=lambda m: -abs(m.value))


def trajectory(trace: ModelTrace, m: Massive) -> tuple[Tensor, Tensor]:
    """(L,) the value after every block, and (L,) the median |value| of each layer's residual stream."""
    res = residuals(trace)
    return res[:, m.position, m.dim], res.abs().flatten(1).median(dim=1).values


@dataclass(frozen=True)
class Writer:
    layer: int
    neuron: int
    part: float  # m · v[dim]: what this neuron added to the value


def writers(model: Transformer, trace: ModelTrace, m: Massive, k: int = 5) -> tuple[float, float, list[Writer]]:
    """Who wrote the value: (the FFN's share of it, attention's, the top-k neurons of that FFN by
    their part m_i · v_i[dim]) at the block where it first became massive. The neurons' parts add
    up to the FFN's (without a bias, scaled by a post-norm's 1/rms where there is one)."""
    layer = m.first_layer
    ffn = float(trace.ffn_updates[layer, m.position, m.dim])
    attn = float(trace.attn_updates[layer, m.position, m.dim])
    parts = trace.coeffs[layer, m.position] * value_matrix(model, layer)[m.dim] * trace.ffn_out_scales[layer, m.position]
    top = parts.abs().topk(min(k, parts.numel())).indices.tolist()
    return ffn, attn, [Writer(layer, n, float(parts[n])) for n in top]


def mean_values(model: Transformer, texts: list[list[int]], found: list[Massive]) -> list[float]:
    """Each massive value's mean over the texts (at the same position and dimension, after the same
    block): Sun et al. set them to this mean and the model keeps working."""
    sums = [0.0] * len(found)
    counted = 0
    for ids in texts:
        res = residuals(model.trace(torch.tensor(ids), logits="none"))
        if any(m.position >= len(ids) for m in found):
            continue
        sums = [s + float(res[m.first_layer, m.position, m.dim]) for s, m in zip(sums, found)]
        counted += 1
    if not counted:
        raise ValueError("no text is long enough to hold every massive position")
    return [s / counted for s in sums]


def set_to(found: list[Massive], values: list[float]) -> list[SetResidual]:
    """The edits that set each massive value, after the block where it first appears, to a value."""
    return [SetResidual(m.first_layer, m.position, m.dim, v) for m, v in zip(found, values)]


@torch.inference_mode()
def prediction(model: Transformer, ids: list[int], found: list[Massive], values: list[float] | None,
               k: int = 5) -> list[tuple[int, float]]:
    """The top-k next tokens (id, probability) after `ids`, with the massive values set to `values`
    (None: as the model computes them)."""
    view = edited(model, set_to(found, values)) if values is not None else model
    probs = view(torch.tensor(ids)[None])[0, -1].softmax(-1)
    top = probs.topk(k)
    return list(zip(top.indices.tolist(), top.values.tolist()))
