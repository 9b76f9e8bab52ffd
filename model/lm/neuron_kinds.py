"""Kinds of neurons that the weights (and the corpus statistics) reveal, with the rules stated.

- Prediction and suppression neurons (Gurnee et al. 2024, "Universal Neurons in GPT2 Language
  Models", TMLR): a neuron's value vector read over the vocabulary (through the final norm and the
  unembedding) is heavy-tailed, high excess kurtosis, and skewed: to the right for a neuron that
  promotes a few tokens (prediction), to the left for one that pushes a few down (suppression).
  Suppression neurons gather in the last layers.
- Entropy neurons (Stolfo et al. 2024, "Confidence Regulation Neurons in Language Models",
  NeurIPS): a large value vector lying mostly in the directions the unembedding reads least (its
  smallest singular directions), so it changes the final norm's scale, and with it the confidence
  of every prediction, rather than any one token.
- Token-frequency neurons (Stolfo et al. 2024): the value vector's readout runs along the log
  frequency of tokens, moving the prediction towards or away from the unigram distribution.
- Dormant neurons: a SiLU or GELU never gives an exact zero, so "dormant" needs a threshold, stated
  as DORMANT below and read from the neuron dictionary's corpus.

Statistics are per neuron, (L, d_ff) arrays, computed once per model from its weights
(`weight_stats`) and the dictionary's corpus (`token_log_frequency`, the coefficient extremes).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch

from model.architectures.transformer import Transformer
from model.lm.interventions import SetCoefficient, TextScores, edited, score_texts, scores
from model.lm.readout import final_norm_dual, value_matrix
from model.util.atomic_file import write_atomically

KURTOSIS = 10.0  # excess kurtosis of the readout over the vocabulary (a normal readout has 0)
SKEW = 1.0  # |skew| of that readout, its sign telling prediction (+) from suppression (-)
NULL_DIRECTIONS = 0.02  # the unembedding's smallest singular directions, as a share of d_model
NULL_SHARE = 0.25  # an entropy neuron has at least this share of ‖v‖² there (chance: NULL_DIRECTIONS)
NORM_TOP = 0.05  # ... and a value vector among the model's largest 5% by norm
FREQUENCY = 0.5  # |correlation| of the readout with log token frequency
DORMANT = 1.0  # |m| never reaches this on any corpus token
KINDS = ("prediction", "suppression", "entropy", "token frequency", "dormant")


@dataclass
class WeightStats:
    """Per neuron, (L, d_ff) float32 arrays."""

    skew: np.ndarray  # of the readout over the vocabulary
    kurtosis: np.ndarray  # excess kurtosis of the readout
    norm: np.ndarray  # ‖v_i‖
    null_share: np.ndarray  # share of ‖v_i‖² in the unembedding's smallest singular directions
    frequency_corr: np.ndarray  # correlation of the readout with log token frequency

    def save(self, path: Path) -> None:
        write_atomically(path, lambda tmp: np.savez(tmp, **{f.name: getattr(self, f.name) for f in fields(self)}))

    @classmethod
    def load(cls, path: Path) -> "WeightStats":
        with np.load(path) as z:
            return cls(**{f.name: z[f.name] for f in fields(cls)})


def token_log_frequency(ids: np.ndarray, vocab: int) -> torch.Tensor:
    """(vocab,) log of each token's share of a corpus, add-one smoothed (a token never seen still
    has a finite log frequency)."""
    counts = np.bincount(ids.astype(np.int64), minlength=vocab)[:vocab].astype(np.float64) + 1.0
    return torch.from_numpy(np.log(counts / counts.sum()))


def null_space(model: Transformer) -> torch.Tensor:
    """(d_model, k): the unembedding's (read through the final norm) k smallest right singular
    directions, k = NULL_DIRECTIONS · d_model."""
    w = final_norm_dual(model, model.unembedding).double()
    _, vectors = torch.linalg.eigh(w.T @ w)  # ascending eigenvalues: squared singular values
    k = max(1, round(NULL_DIRECTIONS * w.shape[1]))
    return vectors[:, :k]


@torch.inference_mode()
def weight_stats(model: Transformer, log_frequency: torch.Tensor, chunk: int = 8192, progress=None) -> WeightStats:
    """Every neuron's readout moments over the vocabulary, norm, null-space share and frequency
    correlation. A layer's readout of all d_ff neurons is (vocab, d_ff): its mean and variance follow
    from the unembedding's mean and second-moment matrix (d × d), and the third and fourth moments
    are summed over chunks of the vocabulary, centred, so memory stays at one chunk."""
    u = final_norm_dual(model, model.unembedding)  # (vocab, d)
    vocab = u.shape[0]
    u_mean = u.double().mean(0)
    second = (u.double().T @ u.double()) / vocab  # E[u uᵀ]
    null = null_space(model).float()
    f = (log_frequency - log_frequency.mean()).float()
    f = f / f.norm()
    out = {k: [] for k in ("skew", "kurtosis", "norm", "null_share", "frequency_corr")}
    for layer in range(model.cfg.n_layers):
        v = value_matrix(model, layer)  # (d, F)
        vd = v.double()
        mean = u_mean @ vd  # (F,)
        var = ((second @ vd) * vd).sum(0) - mean ** 2
        m3 = torch.zeros(v.shape[1], dtype=torch.float64)
        m4 = torch.zeros(v.shape[1], dtype=torch.float64)
        dot_f = torch.zeros(v.shape[1], dtype=torch.float64)
        mean32 = mean.float()
        for start in range(0, vocab, chunk):
            r = u[start:start + chunk] @ v - mean32  # (chunk, F), centred
            sq = r * r
            m3 += (sq * r).sum(0, dtype=torch.float64)
            m4 += (sq * sq).sum(0, dtype=torch.float64)
            dot_f += (f[start:start + chunk] @ r).double()
        var = var.clamp(min=1e-30)
        out["skew"].append(m3 / vocab / var ** 1.5)
        out["kurtosis"].append(m4 / vocab / var ** 2 - 3)
        norms = v.norm(dim=0)
        out["norm"].append(norms)
        out["null_share"].append((null.T @ v).pow(2).sum(0) / norms.pow(2).clamp(min=1e-30))
        # f is centred and unit length, so f·(r - mean) / ‖r - mean‖ is the correlation
        out["frequency_corr"].append(dot_f / (var * vocab).sqrt())
        if progress is not None:
            progress(layer + 1, model.cfg.n_layers)
    return WeightStats(**{k: torch.stack(v).float().numpy() for k, v in out.items()})


def kinds(stats: WeightStats, peak_abs: np.ndarray) -> dict[str, np.ndarray]:
    """Each kind's (L, d_ff) boolean mask, by the thresholds above. `peak_abs` is each neuron's
    largest |m| over the corpus (the neuron dictionary's extremes)."""
    heavy = stats.kurtosis >= KURTOSIS
    big = stats.norm >= np.quantile(stats.norm, 1 - NORM_TOP)
    return {
        "prediction": heavy & (stats.skew >= SKEW),
        "suppression": heavy & (stats.skew <= -SKEW),
        "entropy": big & (stats.null_share >= NULL_SHARE),
        "token frequency": np.abs(stats.frequency_corr) >= FREQUENCY,
        "dormant": peak_abs < DORMANT,
    }


def kinds_of(masks: dict[str, np.ndarray], layer: int, neuron: int) -> list[str]:
    """The kinds one neuron belongs to (often none)."""
    return [k for k, mask in masks.items() if mask[layer, neuron]]


def top_of_kind(stats: WeightStats, masks: dict[str, np.ndarray], kind: str, k: int = 3) -> list[tuple[int, int]]:
    """The k clearest members of a kind: by kurtosis (prediction, suppression), null share
    (entropy), |frequency correlation| (token frequency), or lowest norm (dormant)."""
    key = {"prediction": stats.kurtosis, "suppression": stats.kurtosis, "entropy": stats.null_share,
           "token frequency": np.abs(stats.frequency_corr), "dormant": -stats.norm}[kind]
    score = np.where(masks[kind], key, -np.inf)
    order = np.argsort(-score, axis=None)[:k]
    return [tuple(int(x) for x in np.unravel_index(i, score.shape)) for i in order if np.isfinite(score.flat[i])]


@dataclass(frozen=True)
class Ablation:
    """What mean-ablating one neuron does on texts: each figure after minus before."""

    layer: int
    neuron: int
    loss: tuple[float, float]  # (direct, total) change of the loss, nats
    entropy: tuple[float, float]  # of the prediction's entropy
    kl_unigram: tuple[float, float]  # of its KL divergence to the unigram distribution


@torch.inference_mode()
def mean_ablation(model: Transformer, texts: list[list[int]], base: TextScores, log_unigram: torch.Tensor,
                  layer: int, neuron: int, mean: float) -> Ablation:
    """Set the neuron's coefficient to its corpus mean on every token of the texts. Total effect:
    the texts run again with it set (every later layer sees the change). Direct effect: only its
    own path to the logits, its changed sub-update (mean - m)·v added to the final residual
    (Stolfo et al. 2024 contrast the two for entropy neurons, whose effect is mostly indirect
    through the final norm's scale)."""
    v = value_matrix(model, layer, slice(neuron, neuron + 1))[:, 0]
    direct_logits = []
    for ids in texts:
        t = model.trace(torch.tensor(ids), logits="none")
        delta = (mean - t.coeffs[layer, :, neuron]) * t.ffn_out_scales[layer]
        direct_logits.append(model.logits_at(t.final_residual + delta[:, None] * v))
    direct = scores(direct_logits, texts, log_unigram)
    total = score_texts(edited(model, [SetCoefficient(layer, neuron, mean)]), texts, log_unigram)
    diff = lambda name: tuple(getattr(s, name) - getattr(base, name) for s in (direct, total))  # noqa: E731
    return Ablation(layer, neuron, diff("loss"), diff("entropy"), diff("kl_unigram"))


def stats_path(model_source: Path, shipped_dir: Path) -> tuple[Path, Path]:
    """(where the statistics ship for the model file `model_source`, where a server caches its own)."""
    from model.lm.gguf_loader import cache_dir
    return shipped_dir / f"{model_source.stem}.kinds.npz", cache_dir() / f"{model_source.stem}.kinds.npz"


def load_saved(model: Transformer, model_source: Path, shipped_dir: Path) -> WeightStats | None:
    """The model's weight statistics if they ship or were cached earlier, else None."""
    for path in stats_path(model_source, shipped_dir):
        try:
            stats = WeightStats.load(path)
        except (OSError, ValueError, KeyError):
            continue
        if stats.norm.shape == (model.cfg.n_layers, model.cfg.d_ff):
            return stats
    return None


def load_or_build(model: Transformer, model_source: Path, corpus_ids: np.ndarray, shipped_dir: Path,
                  progress=None) -> WeightStats:
    """The model's weight statistics: shipped, cached earlier, or computed now (about two minutes
    for a model of SmolLM2-135M's size on two cores) and cached."""
    stats = load_saved(model, model_source, shipped_dir)
    if stats is not None:
        return stats
    stats = weight_stats(model, token_log_frequency(corpus_ids, model.cfg.vocab_size), progress=progress)
    try:
        stats.save(stats_path(model_source, shipped_dir)[1])
    except OSError:
        pass  # a read-only cache still gets the statistics, just not kept
    return stats


def describe(stats: WeightStats, masks: dict[str, np.ndarray], layer: int, neuron: int) -> str:
    """One line: the neuron's kinds by the rules above, with the figures that decide them."""
    found = kinds_of(masks, layer, neuron)
    figures = (f"readout skew {stats.skew[layer, neuron]:+.1f}, excess kurtosis {stats.kurtosis[layer, neuron]:.1f}, "
               f"{stats.null_share[layer, neuron]:.0%} of its value vector in the unembedding's least-read directions, "
               f"correlation with log token frequency {stats.frequency_corr[layer, neuron]:+.2f}")
    kind = " and ".join(f"{k} neuron" for k in found) if found else "none of the kinds (most neurons are none)"
    return f"{kind[0].upper()}{kind[1:]}: {figures}."


def held_out(ids: np.ndarray, doc_starts: np.ndarray, n: int = 12, length: int = 48, min_length: int = 24
             ) -> list[list[int]]:
    """n corpus documents spread evenly over the corpus (every k-th with at least `min_length`
    tokens), each cut to `length` tokens: the texts perplexity and ablations are measured on."""
    ends = np.append(doc_starts[1:], len(ids))
    long = [(s, e) for s, e in zip(doc_starts.tolist(), ends.tolist()) if e - s >= min_length]
    step = max(1, len(long) // n)
    return [ids[s:min(e, s + length)].astype(int).tolist() for s, e in long[::step][:n]]
