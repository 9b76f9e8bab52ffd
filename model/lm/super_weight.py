"""The super weight (Yu et al. 2024, "The Super Weight in Large Language Models", arXiv 2411.07191).

A handful of single scalars in an early-to-middle layer's down projection matter more than
thousands of other large weights: zeroing one wrecks the model. They are found without data,
from one forward pass: the layer where down_proj's largest |input| and largest |output| spike
together, on the same token; the super weight is W_down[output dimension, input channel] of
that spike. Here: the per-layer spikes, the candidate, and the comparison the paper makes,
zeroing it against zeroing the layer's other largest weights and random ones.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from model.architectures.transformer import ModelTrace, Transformer
from model.lm.interventions import TextScores, ZeroWeight, edited, score_texts
from model.lm.readout import neurons_at

SPIKE = 10.0
"""A layer's down_proj output spikes when its largest |output| is at least SPIKE times the median
over layers of that maximum (SmolLM2-135M's layer 11: about 23,700 against a median near 30)."""


@dataclass(frozen=True)
class Spikes:
    """Per layer (arrays of length L): down_proj's largest |input| and |output| on a prompt, where."""

    max_in: np.ndarray
    in_token: np.ndarray
    in_channel: np.ndarray  # a neuron: the input of down_proj is the coefficient m
    max_out: np.ndarray
    out_token: np.ndarray
    out_dim: np.ndarray  # a residual-stream dimension


@torch.inference_mode()
def down_proj_spikes(model: Transformer, trace: ModelTrace) -> Spikes:
    """down_proj's input (the coefficients m, in the trace) and its output (before any post-norm
    and bias) on every token of the traced prompt, reduced to each layer's largest and its place."""
    rows = []
    for layer in range(model.cfg.n_layers):
        m = trace.coeffs[layer]
        out = m @ model.blocks[layer].ffn.down_proj.weight.T
        (it, ic), (ot, od) = (np.unravel_index(int(t.abs().argmax()), t.shape) for t in (m, out))
        rows.append((float(m[it, ic].abs()), it, ic, float(out[ot, od].abs()), ot, od))
    cols = list(zip(*rows))
    return Spikes(*(np.asarray(c, dtype=np.float64 if k in (0, 3) else np.int64) for k, c in enumerate(cols)))


@dataclass(frozen=True)
class Candidate:
    weight: ZeroWeight
    value: float  # the weight itself
    token: int  # the prompt position where input and output spike
    out_ratio: float  # the layer's max |output| over the median layer's


def candidate(model: Transformer, spikes: Spikes) -> Candidate | None:
    """The recipe: the layer whose output spike is the largest, if it is a spike (≥ SPIKE × the
    median layer's) and its input spikes on the same token; None when no layer qualifies."""
    median = float(np.median(spikes.max_out))
    for layer in np.argsort(-spikes.max_out):
        ratio = float(spikes.max_out[layer]) / median if median > 0 else 0.0
        if ratio < SPIKE:
            return None
        if spikes.in_token[layer] == spikes.out_token[layer]:
            w = ZeroWeight(int(layer), int(spikes.out_dim[layer]), int(spikes.in_channel[layer]))
            value = float(model.blocks[w.layer].ffn.down_proj.weight[w.row, w.col])
            return Candidate(w, value, int(spikes.in_token[layer]), ratio)
    return None


def largest_weights(model: Transformer, layer: int, k: int, skip: ZeroWeight | None = None) -> list[ZeroWeight]:
    """The k weights of the layer's down_proj with the largest |value| (without `skip`)."""
    w = model.blocks[layer].ffn.down_proj.weight
    idx = w.abs().flatten().topk(k + 1).indices
    found = [ZeroWeight(layer, n, i) for n, i in neurons_at(idx, tuple(w.shape))]
    return [z for z in found if z != skip][:k]


def random_weights(model: Transformer, layer: int, k: int, seed: int = 0) -> list[ZeroWeight]:
    """k weights of the layer's down_proj drawn uniformly (seeded)."""
    rows, cols = model.blocks[layer].ffn.down_proj.weight.shape
    g = torch.Generator().manual_seed(seed)
    return [ZeroWeight(layer, int(r), int(c)) for r, c in
            zip(torch.randint(rows, (k,), generator=g), torch.randint(cols, (k,), generator=g))]


@dataclass(frozen=True)
class Zeroed:
    kind: str  # "super weight", "large weight" or "random weight"
    weight: ZeroWeight
    value: float
    scores: TextScores


def zeroing_study(model: Transformer, texts: list[list[int]], cand: Candidate, k: int = 3,
                  seed: int = 0) -> tuple[TextScores, list[Zeroed]]:
    """The texts' scores with the model as it is, then with each weight zeroed alone: the
    candidate, the layer's k next-largest weights and k random ones (the paper's contrast)."""
    base = score_texts(model, texts)
    layer = cand.weight.layer
    groups = [("super weight", [cand.weight]), ("large weight", largest_weights(model, layer, k, cand.weight)),
              ("random weight", random_weights(model, layer, k, seed))]
    down = model.blocks[layer].ffn.down_proj.weight
    rows = [Zeroed(kind, w, float(down[w.row, w.col]), score_texts(edited(model, [w]), texts))
            for kind, ws in groups for w in ws]
    return base, rows
