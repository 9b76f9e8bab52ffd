"""Concept neurons: FFN neurons whose value vectors promote a *set* of tokens (capital
cities, months, past-tense verbs...), after Geva et al. (2022, EMNLP), who found, reading GPT-2,
that sub-updates promote human-interpretable concepts in the vocabulary space.

A neuron's readout r_i = U (g ⊙ v_i) scores every token. For a set S we compare the set's
mean score with the whole vocabulary's, in units of the readout's spread over the vocabulary:

    z_i = (mean_{t in S} r_i[t] - mean_v r_i[v]) / std_v r_i[v]

Each neuron's vocabulary mean and standard deviation come from the unembedding's mean and
covariance (computed once per model), so scoring all 46,080 neurons for a new set is one
matrix-vector product. A positive z means the neuron promotes the set when its coefficient
is positive; a negative z, when it is negative.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from model.architectures.transformer import Transformer
from model.lm.readout import (final_norm_dual, final_norm_linear, in_top, layer_dots, signed_readouts, top_neurons,
                             value_matrix)

CONCEPTS: dict[str, tuple[str, ...]] = {
    "capital cities": ("Paris", "London", "Berlin", "Rome", "Madrid", "Tokyo", "Moscow", "Beijing", "Cairo",
                       "Athens", "Vienna", "Lisbon", "Dublin", "Oslo", "Prague", "Warsaw", "Ottawa", "Canberra",
                       "Seoul", "Delhi", "Bangkok", "Stockholm", "Brussels", "Amsterdam", "Budapest", "Helsinki"),
    "countries": ("France", "Germany", "Italy", "Spain", "Japan", "China", "India", "Brazil", "Canada", "Russia",
                  "Egypt", "Mexico", "Greece", "Sweden", "Norway", "Poland", "Portugal", "Ireland", "Australia",
                  "Argentina", "Turkey", "Kenya", "Nigeria", "Chile", "Peru", "Austria"),
    "months": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"),
    "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "numbers": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "twenty", "hundred", "thousand", "million"),
    "past-tense verbs": ("walked", "went", "said", "took", "made", "saw", "came", "gave", "found", "thought", "told",
                         "became", "left", "felt", "brought", "began", "kept", "held", "wrote", "stood", "heard",
                         "ran", "sat", "spoke", "lost", "played", "looked", "asked", "turned", "opened"),
    "pronouns": ("he", "she", "they", "we", "you", "it", "him", "her", "them", "us", "me", "his", "their", "our"),
}


def concept_tokens(tokenizer, words: list[str] | tuple[str, ...]) -> tuple[list[int], list[str], list[str]]:
    """The single-token forms (' Paris', with its leading space, as in running text) of `words`:
    (token ids, the words kept, the words that are not one token and are left out)."""
    ids, kept, dropped = [], [], []
    for word in dict.fromkeys(w.strip() for w in words if w.strip()):
        enc = tokenizer.encode(" " + word, add_special_tokens=False).ids
        if len(enc) == 1:
            ids.append(enc[0])
            kept.append(word)
        else:
            dropped.append(word)
    return ids, kept, dropped


def parse_words(text: str, limit: int = 60) -> list[str]:
    """A typed list: 'Paris, London;Rome' -> ['Paris', 'London', 'Rome'] (at most `limit`)."""
    return [w.strip() for w in text.replace(";", ",").replace("\n", ",").split(",") if w.strip()][:limit]


@dataclass(frozen=True)
class ReadoutStats:
    """Per neuron, the mean and spread of its readout over the vocabulary. (L, F) each."""

    mean: Tensor
    std: Tensor


@torch.inference_mode()
def readout_stats(model: Transformer) -> ReadoutStats:
    """Once per model (about a second): with u_v the unembedding rows, w_i = v_i through the final
    norm's linear part (g ⊙ v_i for RMSNorm), the
    readout's mean over the vocabulary is ū·w_i and its variance w_iᵀ Σ w_i."""
    U = model.unembedding
    # float64 sums over row chunks: a float64 copy of the whole unembedding would take 226 MB
    total, second = torch.zeros(U.shape[1], dtype=torch.float64), torch.zeros(U.shape[1], U.shape[1], dtype=torch.float64)
    for rows in U.split(4096):
        rows = rows.double()
        total += rows.sum(0)
        second += rows.T @ rows
    mean_u = total / U.shape[0]
    cov = second / U.shape[0] - torch.outer(mean_u, mean_u)
    means, stds = [], []
    for layer in range(model.cfg.n_layers):
        w = final_norm_linear(model, value_matrix(model, layer).T.double()).T  # (d, F): w_i, in float64
        means.append(mean_u @ w)
        stds.append(((cov @ w) * w).sum(0).clamp_min(1e-12).sqrt())
    return ReadoutStats(torch.stack(means).float(), torch.stack(stds).float())


@torch.inference_mode()
def concept_scores(model: Transformer, stats: ReadoutStats, token_ids: list[int]) -> Tensor:
    """(L, F) z-score of the set's mean readout against the vocabulary, for every neuron."""
    s = final_norm_dual(model, model.unembedding[token_ids].mean(0))  # (d,)
    return (layer_dots(model, s) - stats.mean) / stats.std


@dataclass(frozen=True)
class ConceptNeuron:
    layer: int
    neuron: int
    z: float  # the concept score; its sign is the sign of m with which the neuron promotes the set
    in_top: int  # how many of the set's tokens are in the top SPECIFIC (1%) of its readout (with that sign)
    set_size: int
    promoted: list[int]  # its top tokens (with that sign)


@torch.inference_mode()
def search(model: Transformer, stats: ReadoutStats, token_ids: list[int], k: int = 12) -> list[ConceptNeuron]:
    """The k neurons that promote the set most strongly (by |z|), with how much of the set
    each puts in the top SPECIFIC of its readout."""
    if not token_ids:
        return []
    best = top_neurons(concept_scores(model, stats, token_ids), k, by_magnitude=True)
    readouts = signed_readouts(model, [(layer, n) for layer, n, _ in best], [z for *_, z in best])  # (k, vocab)
    counts = in_top(readouts, token_ids).sum(-1).tolist()
    promoted = readouts.topk(10, dim=-1).indices.tolist()
    return [ConceptNeuron(layer, n, z, count, len(token_ids), p)
            for (layer, n, z), count, p in zip(best, counts, promoted)]
