"""The FFN as a key-value memory, on a real model and the user's text.

Geva et al. 2021, EMNLP ("Transformer Feed-Forward Layers Are Key-Value Memories", read on a
16-layer model trained on WikiText-103): row i of the input projection is a key, its coefficient
m_i says how strongly the token matches it, and column i of down_proj is the value v_i written
into the residual stream: FFN(x) = sum_i m_i v_i. For SwiGLU, m = silu(gate·x) * (up·x),
exactly the input of down_proj, and it can be negative.

Geva et al. 2022, EMNLP ("Transformer Feed-Forward Layers Build Predictions by Promoting Concepts
in the Vocabulary Space", read on GPT-2): read a value vector through the final norm and the
unembedding to see which tokens it promotes; a sub-update m_i v_i pushes those tokens up when
m_i > 0 and down when m_i < 0 (the readout algebra is in model/lm/readout.py).

Every function here is pure: a model and a trace in, tensors or small records out.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from model.architectures.transformer import ModelTrace, Transformer
from model.lm.readout import top_neurons, value_matrix

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


def written_coeffs(trace: ModelTrace, layer: int, position: int) -> Tensor:
    """(d_ff,): the coefficients that multiply the value vectors in the residual stream, m_i
    times the post-norm's scale at that token (the same m_i without a post-norm)."""
    return trace.coeffs[layer, position] * trace.ffn_out_scales[layer, position]


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


def next_token_loss(logits: Tensor, ids: list[int]) -> float:
    """Mean next-token cross-entropy of a text (nats) from its logits at every position; nan for
    a text of one token, which predicts nothing of itself."""
    if len(ids) < 2:
        return float("nan")
    return float(F.cross_entropy(logits[:-1], torch.tensor(ids[1:])))


@dataclass(frozen=True)
class Removal:
    """The text as the model reads it with parts removed (one pass)."""

    loss: float  # mean next-token loss (nats per token)
    next_probs: Tensor  # (vocab,) the next-token distribution after the last token


@torch.inference_mode()
def run_without(model: Transformer, ids: list[int], ffn_scales: dict[int, Tensor] | None = None,
                attention_off: tuple[int, ...] = ()) -> Removal:
    """Loss and last prediction under an intervention: FFN coefficients scaled (`switch_off`),
    the attention of the layers in `attention_off` removed."""
    logits = model.trace(torch.tensor(ids), ffn_scales, attention_off=attention_off).logits
    return Removal(next_token_loss(logits, ids), logits[-1].softmax(-1))


def text_loss(model: Transformer, ids: list[int], ffn_scales: dict[int, Tensor] | None = None) -> float:
    """Mean next-token cross-entropy of the text (nats), optionally under an intervention."""
    return run_without(model, ids, ffn_scales).loss


@dataclass(frozen=True)
class Labour:
    """What attention and the FFNs each do on a text."""

    attention_sizes: Tensor  # (L,) mean size of each attention layer's update over the tokens
    ffn_sizes: Tensor  # (L,) each FFN's
    loss: float  # the text's loss as the model runs
    without_ffn: Removal  # every FFN removed
    without_attention: Removal  # every attention layer removed: each token then sees only itself


@torch.inference_mode()
def division_of_labour(model: Transformer, trace: ModelTrace, ids: list[int]) -> Labour:
    """Two passes: the trace already holds the final residual of every token, so the text's own
    loss needs only the unembedding."""
    attention, ffn = update_norms(trace)
    L = model.cfg.n_layers
    return Labour(attention, ffn, next_token_loss(model.logits_at(trace.final_residual), ids),
                  run_without(model, ids, all_ffn_off(L, model.cfg.d_ff)),
                  run_without(model, ids, attention_off=tuple(range(L))))


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
    top = top_neurons(a.coeffs[:, pos_a] - b.coeffs[:, pos_b], k, by_magnitude=True)
    return [(layer, n, float(a.coeffs[layer, pos_a, n]), float(b.coeffs[layer, pos_b, n])) for layer, n, _ in top]


def find_token(pieces: list[str], word: str) -> int | None:
    """Last position whose token is `word` (ignoring surrounding spaces and case)."""
    target = word.strip().lower()
    for i in range(len(pieces) - 1, -1, -1):
        if pieces[i].strip().lower() == target:
            return i
    return None
