"""The FFN as a key-value memory, on a real model and the user's text.

Geva et al. 2020 ("Transformer Feed-Forward Layers Are Key-Value Memories"):
row i of the input projection is a key, its coefficient m_i says how strongly
the token matches it, and column i of down_proj is the value v_i written into
the residual stream: FFN(x) = sum_i m_i v_i. For SwiGLU, m = silu(gate·x) * (up·x),
exactly the input of down_proj, and it can be negative.

Geva et al. 2022 ("...Build Predictions by Promoting Concepts in the Vocabulary
Space"): read a value vector through the final norm and the unembedding to see
which tokens it promotes; a sub-update m_i v_i pushes those tokens up when
m_i > 0 and down when m_i < 0.

Every function here is pure: a model and a trace in, tensors or small records out.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from model.architectures.transformer import ModelTrace, Transformer

MAX_TOKENS = 256


@dataclass(frozen=True)
class Encoded:
    ids: list[int]
    pieces: list[str]  # each token as text (byte-level pieces decoded where possible)
    truncated: bool  # the text was longer than MAX_TOKENS and was cut


def encode(tokenizer, text: str, max_tokens: int = MAX_TOKENS) -> Encoded:
    ids = tokenizer.encode(text).ids
    cut = ids[:max_tokens]
    return Encoded(cut, [token_text(tokenizer, i) for i in cut], len(ids) > max_tokens)


def token_text(tokenizer, token_id: int) -> str:
    """A token as a reader sees it: 'Ġcapital' -> ' capital'. Partial UTF-8 bytes show as '�'."""
    return tokenizer.decode([token_id], skip_special_tokens=False) or tokenizer.id_to_token(token_id)


@torch.inference_mode()
def run(model: Transformer, ids: list[int], ffn_scales: dict[int, Tensor] | None = None,
        logits: str = "last") -> ModelTrace:
    """The trace the key-value views read, with the last position's logits: the prediction every
    view starts from (`next_token_probs` computes any other position's)."""
    return model.trace(torch.tensor(ids), ffn_scales, logits=logits)


@torch.inference_mode()
def run_many(model: Transformer, texts_ids: list[list[int]]) -> list[ModelTrace]:
    """`run` for several texts in one batch (see Transformer.trace_many): one read of the
    unembedding gives every text its last position's logits."""
    return model.trace_many([torch.tensor(ids) for ids in texts_ids], logits="last")


@torch.inference_mode()
def next_token_probs(model: Transformer, trace: ModelTrace, position: int) -> Tensor:
    """(vocab,) next-token distribution after `position`, from the trace's logits where it has
    them (the whole vocabulary matrix is read for one row otherwise: a sixth of a short text's
    forward pass)."""
    n = trace.final_residual.shape[0]
    position %= n
    if trace.logits is not None and len(trace.logits) == n:
        return trace.logits[position].softmax(-1)
    if trace.logits is not None and position == n - 1:
        return trace.logits[-1].softmax(-1)
    return model.logits_at(trace.final_residual[position]).softmax(-1)


def top_k(probs: Tensor, k: int = 10) -> list[tuple[int, float]]:
    values, ids = probs.topk(k)
    return list(zip(ids.tolist(), values.tolist()))


def most_active_neurons(trace: ModelTrace, layer: int, k: int = 20) -> list[int]:
    """Neurons of `layer` with the largest |coefficient| anywhere in the text."""
    peak = trace.coeffs[layer].abs().amax(dim=0)
    return peak.topk(min(k, peak.numel())).indices.tolist()


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


def written_coeffs(trace: ModelTrace, layer: int, position: int) -> Tensor:
    """(d_ff,): the coefficients that multiply the value vectors in the residual stream, m_i
    times the post-norm's scale at that token (the same m_i without a post-norm)."""
    return trace.coeffs[layer, position] * trace.ffn_out_scales[layer, position]


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


@dataclass(frozen=True)
class ValueReading:
    promoted: list[tuple[int, float]]  # (token id, logit) pushed up by this sub-update
    suppressed: list[tuple[int, float]]  # pushed down


def read_value(model: Transformer, layer: int, neuron: int, coefficient_sign: float = 1.0,
               k: int = 10) -> ValueReading:
    """Tokens the neuron's value vector promotes and suppresses. A negative
    coefficient flips the sub-update m_i v_i, so promoted and suppressed swap."""
    scores = vocab_projection(model, value_vector(model, layer, neuron))
    scores = scores if coefficient_sign >= 0 else -scores
    up, down = scores.topk(k), (-scores).topk(k)
    return ValueReading(list(zip(up.indices.tolist(), up.values.tolist())),
                        list(zip(down.indices.tolist(), (-down.values).tolist())))


def sign_combinations(trace: ModelTrace, layer: int, neuron: int) -> dict[str, int]:
    """How often each of the four (gate, up) sign pairs occurs over the text (after GLUScope)."""
    g, u = trace.gates[layer, :, neuron], trace.ups[layer, :, neuron]
    return {"gate+ up+": int(((g > 0) & (u > 0)).sum()), "gate+ up−": int(((g > 0) & (u <= 0)).sum()),
            "gate− up+": int(((g <= 0) & (u > 0)).sum()), "gate− up−": int(((g <= 0) & (u <= 0)).sum())}


@torch.inference_mode()
def sub_update_sum(model: Transformer, trace: ModelTrace, layer: int, position: int) -> tuple[Tensor, Tensor]:
    """(sum_i m_i v_i computed neuron by neuron, plus the output bias where the FFN has one; the
    FFN output the model produced)."""
    bias = model.blocks[layer].ffn.down_proj.bias
    per_neuron = value_matrix(model, layer) * written_coeffs(trace, layer, position)  # (d, d_ff)
    total = per_neuron.sum(dim=1) + (bias if bias is not None else 0.0)
    return total, trace.ffn_updates[layer, position]


def update_norms(trace: ModelTrace) -> tuple[Tensor, Tensor]:
    """Per layer, the mean size (L2 norm over tokens) of the attention and FFN updates."""
    return trace.attn_updates.norm(dim=-1).mean(-1), trace.ffn_updates.norm(dim=-1).mean(-1)


@torch.inference_mode()
def text_loss(model: Transformer, ids: list[int], ffn_scales: dict[int, Tensor] | None = None) -> float:
    """Mean next-token cross-entropy of the text (nats), optionally under an intervention."""
    if len(ids) < 2:
        return float("nan")
    logits = model.trace(torch.tensor(ids), ffn_scales).logits
    return float(F.cross_entropy(logits[:-1], torch.tensor(ids[1:])))


def switch_off(neurons: list[tuple[int, int]], d_ff: int, factor: float = 0.0,
               layers_off: list[int] | tuple[int, ...] = ()) -> dict[int, Tensor]:
    """Interventions as per-layer scale vectors: `factor` on the given (layer, neuron)s
    (0 switches off, 2 doubles), and whole FFN layers removed."""
    scales: dict[int, Tensor] = {}
    for layer, neuron in neurons:
        scales.setdefault(layer, torch.ones(d_ff))[neuron] = factor
    for layer in layers_off:
        scales[layer] = torch.zeros(d_ff)
    return scales


def all_ffn_off(n_layers: int, d_ff: int) -> dict[int, Tensor]:
    return switch_off([], d_ff, layers_off=list(range(n_layers)))


def context_difference(a: ModelTrace, pos_a: int, b: ModelTrace, pos_b: int, k: int = 15
                       ) -> list[tuple[int, int, float, float]]:
    """Neurons whose coefficients differ most between two occurrences of a word:
    (layer, neuron, coefficient in a, coefficient in b)."""
    diff = (a.coeffs[:, pos_a] - b.coeffs[:, pos_b]).abs()
    flat = diff.flatten().topk(k).indices
    d_ff = diff.shape[1]
    return [(int(i) // d_ff, int(i) % d_ff, float(a.coeffs[int(i) // d_ff, pos_a, int(i) % d_ff]),
             float(b.coeffs[int(i) // d_ff, pos_b, int(i) % d_ff])) for i in flat]


def find_token(pieces: list[str], word: str) -> int | None:
    """Last position whose token is `word` (ignoring surrounding spaces and case)."""
    target = word.strip().lower()
    for i in range(len(pieces) - 1, -1, -1):
        if pieces[i].strip().lower() == target:
            return i
    return None
