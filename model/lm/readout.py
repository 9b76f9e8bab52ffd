"""Reading what FFN neurons write, in the vocabulary: the one home of the readout algebra.

Neuron i of a layer writes m_i v_i into the residual stream (Geva et al. 2021, EMNLP: the FFN
as a key-value memory). Read through the final norm and the unembedding, v_i scores every token
(Geva et al. 2022, EMNLP: sub-updates promote concepts in the vocabulary space); a negative m_i
flips those scores. Here are the value vectors, the final norm's linear maps (from the vectors'
side and from the unembedding's), the vocabulary projection, signed readouts and ranks in them,
the per-layer dot products with one readout row, neuron indexing, and the rule for "specific".

Pure functions: a model in, tensors out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from model.architectures.transformer import Transformer

SPECIFIC = 0.01
"""A neuron is specific to a token that stands in the top 1% of its signed readout: the token's
rank r (0 = the token it promotes most) has r + 1 ≤ 1% of the vocabulary, i.e. fewer than
`specific_count(vocab)` tokens score above it (491 of SmolLM2's 49,152 tokens)."""


def specific_count(vocab: int) -> int:
    """How many tokens make the top SPECIFIC of a readout over `vocab` tokens (at least one)."""
    return max(1, math.floor(round(vocab * SPECIFIC, 9)))  # round: 0.01 × 300 is 3, not 2.999…


def is_specific(rank: int, vocab: int) -> bool:
    """Whether a token at `rank` (0-based) of a readout stands in its top SPECIFIC."""
    return rank < specific_count(vocab)


def in_top(readouts: Tensor, tokens: list[int]) -> Tensor:
    """(k, len(tokens)) bools: whether each token stands in the top SPECIFIC of each readout (k, vocab).
    The same rule as `is_specific`: a score at least the specific_count-th largest has fewer than
    that many tokens above it."""
    threshold = readouts.topk(specific_count(readouts.shape[-1]), dim=-1).values[:, -1:]
    return readouts[:, tokens] >= threshold


def value_matrix(model: Transformer, layer: int, neurons: slice = slice(None)) -> Tensor:
    """(d_model, d_ff): column i is v_i, what neuron i writes into the residual stream per unit of
    coefficient: the down projection's column, times Gemma 2's post-norm weight where there is one
    (that norm's 1/rms is one scalar per token, kept in the trace's `ffn_out_scales`). `neurons`
    picks columns without forming the others (a copy of the whole matrix with a post-norm)."""
    block = model.blocks[layer]
    down = block.ffn.down_proj.weight[:, neurons]
    return down if block.post_ffn_norm is None else down * block.post_ffn_norm.weight[:, None]


def value_vector(model: Transformer, layer: int, neuron: int) -> Tensor:
    """v_i: column `neuron` of `value_matrix`, (d_model,)."""
    return value_matrix(model, layer, slice(neuron, neuron + 1))[:, 0]


def value_dots(model: Transformer, layer: int, u: Tensor) -> Tensor:
    """(d_ff,): u · v_i for every neuron of `layer`, equal to u @ value_matrix but with the
    post-norm's weight put on the one vector u instead of on every value vector."""
    block = model.blocks[layer]
    if block.post_ffn_norm is not None:
        u = u * block.post_ffn_norm.weight
    return u @ block.ffn.down_proj.weight


def layer_dots(model: Transformer, u: Tensor) -> Tensor:
    """(L, d_ff): `value_dots` for every layer: u · v_i for all the model's neurons."""
    return torch.stack([value_dots(model, layer, u) for layer in range(model.cfg.n_layers)])


def final_norm_linear(model: Transformer, vectors: Tensor) -> Tensor:
    """What the final norm does to residual-stream directions (..., d), up to its one scale per
    position: a LayerNorm also removes their mean over the dimensions, and both multiply by the
    gain. (Its bias adds the same for every part of the residual, so it is left out here.)"""
    norm = model.final_norm
    if norm is None:
        return vectors
    if isinstance(norm, torch.nn.LayerNorm):
        vectors = vectors - vectors.mean(-1, keepdim=True)
    return vectors * norm.weight


def final_norm_dual(model: Transformer, rows: Tensor) -> Tensor:
    """The same map seen from the unembedding's side: for readout rows u (..., d),
    vectors · final_norm_dual(u) == final_norm_linear(vectors) · u. It lets one row be dotted
    with many value vectors without changing them."""
    norm = model.final_norm
    if norm is None:
        return rows
    rows = rows * norm.weight
    return rows - rows.mean(-1, keepdim=True) if isinstance(norm, torch.nn.LayerNorm) else rows


@torch.inference_mode()
def vocab_projection(model: Transformer, vectors: Tensor) -> Tensor:
    """Read residual-stream directions (d,) or (n, d) as logits over the vocabulary:
    through the final norm's linear part (its scale is the same for every token) and the
    unembedding."""
    return final_norm_linear(model, vectors) @ model.unembedding.T


@torch.inference_mode()
def signed_readouts(model: Transformer, neurons: list[tuple[int, int]], signs: list[float]) -> Tensor:
    """(k, vocab): each neuron's value vector read through the final norm and unembedding,
    flipped where its coefficient is negative (so high scores are what its sub-update promotes)."""
    vectors = torch.stack([value_vector(model, layer, n) * (1.0 if s >= 0 else -1.0)
                           for (layer, n), s in zip(neurons, signs)])
    return vocab_projection(model, vectors)


@dataclass(frozen=True)
class ValueReading:
    promoted: list[tuple[int, float]]  # (token id, logit) pushed up by this sub-update
    suppressed: list[tuple[int, float]]  # pushed down


def read_value(model: Transformer, layer: int, neuron: int, coefficient_sign: float = 1.0,
               k: int = 10) -> ValueReading:
    """Tokens the neuron's value vector promotes and suppresses. A negative
    coefficient flips the sub-update m_i v_i, so promoted and suppressed swap."""
    scores = signed_readouts(model, [(layer, neuron)], [coefficient_sign])[0]
    up, down = scores.topk(k), (-scores).topk(k)
    return ValueReading(list(zip(up.indices.tolist(), up.values.tolist())),
                        list(zip(down.indices.tolist(), (-down.values).tolist())))


def ranks_of(readouts: Tensor, token: int) -> list[int]:
    """Where `token` stands in each readout (0 = the token promoted most). Ranks ignore centring:
    subtracting the vocabulary mean shifts a neuron's whole readout by one constant."""
    return (readouts > readouts[:, token:token + 1]).sum(-1).tolist()


def readout_ranks(model: Transformer, neurons: list[tuple[int, int]], signs: list[float], token: int) -> list[int]:
    """For each neuron, the rank of `token` in its value readout with the sign of its coefficient."""
    return ranks_of(signed_readouts(model, neurons, signs), token) if neurons else []


def neurons_at(flat: Tensor, shape: tuple[int, int]) -> list[tuple[int, int]]:
    """(layer, neuron) of each index into a flattened (L, d_ff) tensor. numpy's unravel_index, not
    torch's: torch's imports torch.fx's symbolic shapes and with them sympy (40 MB in every server,
    tests/app/test_lean_imports.py)."""
    layers, neurons = np.unravel_index(flat.numpy(), tuple(shape))
    return list(zip(layers.tolist(), neurons.tolist()))


def top_neurons(scores: Tensor, k: int, by_magnitude: bool = False) -> list[tuple[int, int, float]]:
    """(layer, neuron, score) of the k largest scores (or largest |score|) of an (L, d_ff) tensor."""
    flat = scores.flatten()
    idx = (flat.abs() if by_magnitude else flat).topk(min(k, flat.numel())).indices
    return [(layer, n, float(scores[layer, n])) for layer, n in neurons_at(idx, scores.shape)]
