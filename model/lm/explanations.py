"""Every neuron in words, with scores that say how far to trust the words.

For each FFN neuron and each sign of its coefficient m, an explanation of what makes it fire,
chosen without a language model from what the corpus says (OpenAI's explain–simulate–score,
Bills et al. 2023, uses GPT-4 for the first two steps; here both are look-ups, in the spirit of
Gurnee et al. 2024's token-set explanations scored by variance explained, in "Universal Neurons in GPT2
Language Models"):

- a **family** of features that split every corpus position into groups: the token itself, the
  token before it, the token's kind (model/lm/token_classes.py: "month names"), the kind of the
  token before, the position in the text, or the kind of text (encyclopaedic, code, ...);
- the **groups** of that family (at most MAX_GROUPS) on which the neuron's mean coefficient
  deviates most on that sign, each with its typical coefficient there.

The explanation is chosen on the training documents only. It is scored on held-out documents (a
seeded random 1/HOLD_OUT of each kind of text, never seen while explaining):

- **correlation**: a simulator reads the explanation alone (its groups and the typical
  coefficient it lists for each) and predicts m at every held-out token: the listed value where
  a group matches, the neuron's typical value elsewhere. The score is the correlation of
  prediction and truth over all held-out tokens, as OpenAI scores its simulations;
- **detection**: whether the explanation matches the neuron's top-decile contexts (bottom decile
  for the negative sign) and not the others: balanced accuracy, as EleutherAI's delphi scores
  detection; 0.5 is chance.

Both are also computed for explanations shuffled between the neurons of each layer, the
baseline a score must beat (it should sit near 0 and 0.5).

The neuron card also shows examples from across each neuron's range (QUANTILE_BANDS of a
sample of training positions), not only its strongest firings.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from contextlib import nullcontext
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, ContextManager, Iterator

import numpy as np
import torch

from model.architectures.transformer import Transformer
from model.lm import readout, token_classes
from model.lm.neuron_dictionary import WINDOW, NeuronDictionary
from model.util.atomic_file import write_atomically

BUILD_VERSION = 2  # 2: token ids in `groups`, the rare group never named, a split stratified by kind of text
HOLD_OUT = 5  # a fifth of each kind of text's documents is held out
MAX_GROUPS = 5  # at most this many tokens (or kinds, ...) in one explanation
MIN_COUNT = 3  # a token seen fewer times in the training documents cannot be named
MAX_TOKEN_GROUPS = 8192  # the most frequent tokens get their own group (a (groups, neurons) sum each)
SHRINK = 4.0  # a group's mean is pulled towards the neuron's mean as if by this many average tokens
ENOUGH = 0.02  # groups stop being added once the rest would raise the training correlation by less
SAMPLE = 6000  # training positions whose coefficients are kept, for quantiles and examples
QUANTILE_BANDS = ((0.99, 1.0), (0.90, 0.99), (0.45, 0.55), (0.01, 0.10), (0.0, 0.01))
BAND_NAMES = ("strongest 1%", "top 10%", "middle (45–55%)", "bottom 10%", "lowest 1%")
PER_BAND = 5
WRITES = 5  # tokens kept of each sign's readout
POSITION_EDGES = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # position buckets: 0, 1, 2–3, 4–7, ...

# feature families, in the order ties are broken (the simplest first)
TOKEN, PREVIOUS_TOKEN, KIND, PREVIOUS_KIND, POSITION, SOURCE = range(6)
FAMILY_NAMES = ("token", "previous token", "kind of token", "kind of previous token", "position",
                "kind of text")
GROUPS_OF = (MAX_GROUPS, MAX_GROUPS, 2, 2, 3, 2)  # per family: an explanation stays one short line
SIGNS = (1, -1)


def position_bucket(positions: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(POSITION_EDGES), positions, side="right")


def bucket_label(bucket: int) -> str:
    lo = 0 if bucket == 0 else POSITION_EDGES[bucket - 1]
    hi = POSITION_EDGES[bucket] - 1 if bucket < len(POSITION_EDGES) else None
    return f"position {lo}" if hi == lo else f"positions {lo}–{hi}" if hi is not None else f"positions {lo}+"


@dataclass
class Explanations:
    """Arrays indexed [sign, layer, neuron, ...], sign 0 for m > 0 and 1 for m < 0."""
    family: np.ndarray  # (2, L, F) uint8: which feature family explains it
    groups: np.ndarray  # (2, L, F, MAX_GROUPS) int32: what it names: token ids, kinds (token_classes), position
    #                      buckets or kinds of text (`sources`), as its family says; -1 unused
    values: np.ndarray  # (2, L, F, MAX_GROUPS) float32: the typical coefficient on each group (as the simulator reads it)
    base: np.ndarray  # (2, L, F) float32: the typical coefficient elsewhere
    train_corr: np.ndarray  # (2, L, F) float16: the simulator's correlation on the training documents
    tokens: np.ndarray  # (2, L, F, 3) int32: its strongest tokens on that sign (of the named kind, for kinds)
    writes: np.ndarray  # (2, L, F, WRITES) int32: what its sub-update promotes with that sign
    corr: np.ndarray  # (3, L, F) float16: held-out correlation, both signs' explanations / m > 0's / m < 0's
    detection: np.ndarray  # (2, L, F) float16: held-out balanced accuracy per sign
    shuffled_corr: np.ndarray  # (3, L, F) float16: the same for explanations shuffled within each layer
    shuffled_detection: np.ndarray  # (2, L, F) float16
    sample_positions: np.ndarray  # (S,) int64: positions into the dictionary's ids
    example_index: np.ndarray  # (L, F, bands, PER_BAND) uint16: into sample_positions
    example_values: np.ndarray  # (L, F, bands, PER_BAND) float16: the coefficient there
    held_out: np.ndarray  # (D,) bool: which of the dictionary's documents were held out
    n_train: np.ndarray  # () int64: training tokens
    n_held_out: np.ndarray  # () int64: held-out tokens
    dictionary: np.ndarray  # () str: the fingerprint of the dictionary (corpus and model) it explains
    sources: np.ndarray  # (n,) str: the kinds of text, as in the dictionary

    def save(self, path: Path) -> None:
        write_atomically(path, lambda tmp: np.savez_compressed(tmp, **{f.name: getattr(self, f.name)
                                                                       for f in fields(self)}))

    @classmethod
    def load(cls, path: Path) -> "Explanations":
        with np.load(path) as f:
            return cls(**{fl.name: f[fl.name] for fl in fields(cls)})

    def explains(self, d: NeuronDictionary) -> bool:
        return str(self.dictionary) == d.fingerprint

    def example(self, layer: int, neuron: int, band: int) -> list[tuple[float, int]]:
        """(m, corpus position) of the sampled examples in one quantile band, strongest first."""
        rows = zip(self.example_values[layer, neuron, band].tolist(), self.example_index[layer, neuron, band].tolist())
        return sorted(((float(v), int(self.sample_positions[i])) for v, i in rows), reverse=True)


# ---------------------------------------------------------------- the corpus split and its features

def split_documents(d: NeuronDictionary, seed: int = 0) -> np.ndarray:
    """(D,) bool: the held-out documents, a seeded random 1/HOLD_OUT of each kind of text (the corpus
    interleaves its sources, so every HOLD_OUT-th document would be one kind only)."""
    rng = np.random.default_rng(seed)
    kinds = d.doc_sources if len(d.doc_sources) else np.zeros(len(d.doc_starts), dtype=np.int16)
    held = np.zeros(len(d.doc_starts), dtype=bool)
    for kind in np.unique(kinds):
        docs = np.flatnonzero(kinds == kind)
        held[rng.choice(docs, size=int(round(len(docs) / HOLD_OUT)), replace=False)] = True
    return held


def split_windows(d: NeuronDictionary, docs: np.ndarray) -> list[np.ndarray]:
    """The corpus positions of the chosen documents, packed into windows of at most WINDOW tokens
    that end at a document boundary when one fits (as the dictionary's build packs them)."""
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    spans = [(int(d.doc_starts[i]), int(ends[i])) for i in np.flatnonzero(docs)]
    out, current = [], []
    for start, end in spans:
        if current and sum(len(c) for c in current) + (end - start) > WINDOW:
            out.append(np.concatenate(current))
            current = []
        for cut in range(start, end, WINDOW):
            piece = np.arange(cut, min(end, cut + WINDOW))
            if len(piece) == WINDOW:
                out.append(piece)
            else:
                current.append(piece)
    if current:
        out.append(np.concatenate(current))
    return out


@dataclass(frozen=True)
class Features:
    """How each family splits corpus positions into groups."""
    token_group: np.ndarray  # (V,) int64: a frequent token's own group, else RARE
    kinds: np.ndarray  # (V,) int64: token_classes kind of every token
    doc_source: np.ndarray  # (N,) int64: the kind of text at every corpus position
    n_sources: int

    @property
    def sizes(self) -> tuple[int, ...]:
        """Groups per family: tokens (+ rare, + window start for the previous token), kinds (+ none, + start)."""
        n_tok, n_kind = int(self.token_group.max()) + 1, len(token_classes.KINDS) + 1  # the last: rare, none
        return n_tok, n_tok + 1, n_kind, n_kind + 1, len(POSITION_EDGES) + 1, self.n_sources

    def of(self, ids: np.ndarray, positions: np.ndarray) -> list[np.ndarray]:
        """Each family's group of every position of one window (`ids` its tokens, `positions` the
        corpus positions)."""
        n_tok, _, n_kind, _, _, _ = self.sizes
        tok = self.token_group[ids]
        kind = self.kinds[ids]
        return [tok, np.concatenate([[n_tok], tok[:-1]]), kind, np.concatenate([[n_kind], kind[:-1]]),
                position_bucket(np.arange(len(ids))), self.doc_source[positions]]

    def nameable(self, family: int, group: int) -> bool:
        """Groups an explanation may name: not "a rare token", "no kind" or the window's start."""
        n_tok, _, n_kind, _, _, _ = self.sizes
        if family in (TOKEN, PREVIOUS_TOKEN):
            return group < n_tok - 1
        if family in (KIND, PREVIOUS_KIND):
            return group < n_kind - 1
        return True

    @property
    def group_token(self) -> np.ndarray:
        """(frequent tokens,) the token id of each token group."""
        n = self.sizes[TOKEN] - 1
        out = np.empty(n, dtype=np.int64)
        frequent = np.flatnonzero(self.token_group < n)
        out[self.token_group[frequent]] = frequent
        return out

    def public(self, choice: "Choice") -> np.ndarray:
        """The groups of explanations as a reader names them: token ids for the token families
        (inside the build, a token's group is its rank by frequency), the same index otherwise."""
        out = choice.groups.copy()
        tokens = np.isin(choice.family, (TOKEN, PREVIOUS_TOKEN))[:, None] & (out >= 0)
        out[tokens] = self.group_token[out[tokens]]
        return out


def features(d: NeuronDictionary, train_positions: np.ndarray, token_texts: list[str]) -> Features:
    counts = np.bincount(d.ids[train_positions], minlength=len(token_texts))
    frequent = np.argsort(-counts, kind="stable")[:MAX_TOKEN_GROUPS]
    frequent = frequent[counts[frequent] >= MIN_COUNT]
    token_group = np.full(len(token_texts), len(frequent), dtype=np.int64)
    token_group[frequent] = np.arange(len(frequent))
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    doc_source = np.repeat(d.doc_sources.astype(np.int64) if len(d.doc_sources) else np.zeros(len(ends), np.int64),
                           ends - d.doc_starts)
    return Features(token_group, np.array(token_classes.kinds_of_vocabulary(token_texts), dtype=np.int64),
                    doc_source, max(1, len(d.sources)))


# ---------------------------------------------------------------- pass 1: training statistics

class TrainStats:
    """Per family, the sum of every neuron's coefficient over each group (groups, L*F) and each
    group's token count; the first two moments; and the coefficients at SAMPLE positions."""

    def __init__(self, feats: Features, n_neurons: int, sample_slot: np.ndarray):
        self.sums = [torch.zeros(g, n_neurons) for g in feats.sizes]
        self.counts = [np.zeros(g, dtype=np.int64) for g in feats.sizes]
        self.total = torch.zeros(n_neurons, dtype=torch.float64)
        self.total_sq = torch.zeros(n_neurons, dtype=torch.float64)
        self.n = 0
        self.sample = torch.zeros(int((sample_slot >= 0).sum()), n_neurons, dtype=torch.float16)
        self.sample_slot = sample_slot  # (N,) the sample row of a corpus position, or -1
        self.windows_done = 0

    def add(self, groups: list[np.ndarray], positions: np.ndarray, m: torch.Tensor) -> None:
        """m: (T, L*F) coefficients at `positions`."""
        for sums, counts, g in zip(self.sums, self.counts, groups):
            sums.index_add_(0, torch.from_numpy(g), m)
            counts += np.bincount(g, minlength=len(counts))
        m64 = m.double()
        self.total += m64.sum(0)
        self.total_sq += m64.pow(2).sum(0)
        self.n += len(positions)
        slots = self.sample_slot[positions]
        kept = slots >= 0
        self.sample[torch.from_numpy(slots[kept])] = m[torch.from_numpy(kept)].half()
        self.windows_done += 1

    STATE = ("total", "total_sq", "sample")

    def save(self, folder: Path, key: str) -> None:
        """A checkpoint: a folder of .npy files, written beside and renamed into place."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for i, (s, c) in enumerate(zip(self.sums, self.counts)):
            np.save(tmp / f"sums{i}.npy", s.numpy())
            np.save(tmp / f"counts{i}.npy", c)
        for name in self.STATE:
            np.save(tmp / f"{name}.npy", getattr(self, name).numpy())
        (tmp / "state.json").write_text(json.dumps({"key": key, "n": self.n, "windows_done": self.windows_done}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def resume(self, folder: Path, key: str) -> bool:
        try:
            state = json.loads((folder / "state.json").read_text())
            if state["key"] != key:
                return False
            sums = [torch.from_numpy(np.load(folder / f"sums{i}.npy")) for i in range(len(self.sums))]
            counts = [np.load(folder / f"counts{i}.npy") for i in range(len(self.counts))]
            if [s.shape for s in sums] != [s.shape for s in self.sums]:
                return False
            self.sums, self.counts = sums, counts
            for name in self.STATE:
                setattr(self, name, torch.from_numpy(np.load(folder / f"{name}.npy")))
            self.n, self.windows_done = state["n"], state["windows_done"]
            return True
        except (OSError, KeyError, ValueError):
            return False


# ---------------------------------------------------------------- choosing the explanations

@dataclass
class Choice:
    family: np.ndarray  # (L*F,)
    groups: np.ndarray  # (L*F, MAX_GROUPS), -1 unused
    values: np.ndarray  # (L*F, MAX_GROUPS)
    base: np.ndarray  # (L*F,)
    train_corr: np.ndarray  # (L*F,)


def _choose_in_family(sums: torch.Tensor, counts: np.ndarray, nameable: np.ndarray, total: torch.Tensor,
                      total_sq: torch.Tensor, n: int, sign: int, most: int) -> tuple[torch.Tensor, ...]:
    """For one family and sign: the best prefix of the groups deviating most on that sign, per
    neuron; (groups (K, LF), values (K, LF), k (LF,), base (LF,), train corr (LF,))."""
    c = torch.from_numpy(counts).double()[:, None]
    mean = (total / n)[None, :]
    shrunk = (sums.double() + SHRINK * mean) / (c + SHRINK)  # (G, LF)
    deviation = (shrunk - mean) * sign
    contribution = torch.where((deviation > 0) & torch.from_numpy(nameable)[:, None] & (c >= MIN_COUNT),
                               c * deviation.pow(2), torch.zeros((), dtype=torch.float64))
    k_max = min(most, sums.shape[0])
    order = contribution.topk(k_max, dim=0).indices  # (K, LF)
    valid = contribution.gather(0, order) > 0
    g_sum = sums.double().gather(0, order) * valid
    g_n = c.expand_as(sums).gather(0, order) * valid
    g_val = shrunk.gather(0, order) * valid
    var_m = total_sq - total.pow(2) / n
    corrs = []
    for k in range(1, k_max + 1):  # the simulator's exact training correlation with the first k groups
        s_in, n_in = g_sum[:k].sum(0), g_n[:k].sum(0)
        n_out = (n - n_in).clamp_min(1)
        base = (total - s_in) / n_out  # the typical coefficient elsewhere: the mean over the rest
        pred_sum = (g_n[:k] * g_val[:k]).sum(0) + n_out * base
        pred_sq = (g_n[:k] * g_val[:k].pow(2)).sum(0) + n_out * base.pow(2)
        cross = (g_sum[:k] * g_val[:k]).sum(0) + (total - s_in) * base
        cov = cross - pred_sum * total / n
        var_p = pred_sq - pred_sum.pow(2) / n
        corrs.append(torch.where(var_p > 1e-12, cov / (var_p * var_m).clamp_min(1e-30).sqrt(),
                                 torch.zeros((), dtype=torch.float64)))
    corrs = torch.stack(corrs)  # (K, LF)
    best = corrs.max(0).values
    k = ((corrs >= best - ENOUGH).double().argmax(0) + 1) * valid.any(0)  # the shortest that is nearly as good
    keep = torch.arange(k_max)[:, None] < k[None, :]
    s_in, n_in = (g_sum * keep).sum(0), (g_n * keep).sum(0)
    base = (total - s_in) / (n - n_in).clamp_min(1)
    corr = corrs.gather(0, (k - 1).clamp_min(0)[None, :])[0] * (k > 0)
    return torch.where(keep, order, -1), g_val * keep, k, base, corr


def choose(stats: TrainStats, feats: Features, sign: int, block: int = 4096) -> Choice:
    """Each neuron's explanation for one sign: the family (and its groups) whose simulator
    correlates best with m on the training documents. Neurons go `block` at a time, so that the
    float64 work on a (groups, neurons) sum stays a few hundred megabytes."""
    n_neurons = stats.total.shape[0]
    best = Choice(np.zeros(n_neurons, np.uint8), np.full((n_neurons, MAX_GROUPS), -1, np.int64),
                  np.zeros((n_neurons, MAX_GROUPS)), np.zeros(n_neurons), np.full(n_neurons, -np.inf))
    nameable = [np.array([feats.nameable(f, g) for g in range(len(c))]) for f, c in enumerate(stats.counts)]
    for start in range(0, n_neurons, block):
        cols = slice(start, start + block)
        for family, (sums, counts) in enumerate(zip(stats.sums, stats.counts)):
            groups, values, k, base, corr = _choose_in_family(sums[:, cols], counts, nameable[family],
                                                              stats.total[cols], stats.total_sq[cols], stats.n, sign,
                                                              GROUPS_OF[family])
            pad = MAX_GROUPS - groups.shape[0]
            groups = torch.nn.functional.pad(groups, (0, 0, 0, pad), value=-1).T.numpy()
            values = torch.nn.functional.pad(values, (0, 0, 0, pad)).T.numpy()
            better = np.flatnonzero(corr.numpy() > best.train_corr[cols] + 1e-9) + start
            local = better - start
            best.family[better] = family
            best.groups[better], best.values[better] = groups[local], values[local]
            best.base[better], best.train_corr[better] = base.numpy()[local], corr.numpy()[local]
    return best


def strongest_tokens(stats: TrainStats, feats: Features, choice: Choice, sign: int, k: int = 3,
                     block: int = 4096) -> np.ndarray:
    """(L*F, k) token ids: each neuron's strongest tokens on that sign (by shrunk mean), -1 where
    fewer qualify; for a kind explanation, its strongest tokens of the first kind it names (for the
    previous token's kind, from the previous-token sums)."""
    n_neurons = len(choice.family)
    out = np.full((n_neurons, k), -1, dtype=np.int64)
    n_tok = feats.sizes[TOKEN] - 1  # the frequent tokens' groups (the last one is "rare")
    group_token = feats.group_token
    token_kind = torch.from_numpy(feats.kinds[group_token])
    for start in range(0, n_neurons, block):
        cols = np.arange(start, min(start + block, n_neurons))
        family = choice.family[cols]
        source = np.where(family == PREVIOUS_KIND, PREVIOUS_TOKEN, TOKEN)
        mean = (stats.total[cols] / stats.n)[None, :]
        for src in (TOKEN, PREVIOUS_TOKEN):
            picked = np.flatnonzero(source == src)
            if not len(picked):
                continue
            c = torch.from_numpy(stats.counts[src][:n_tok]).double()[:, None]
            sums = stats.sums[src][:n_tok, cols[picked]].double()
            score = ((sums + SHRINK * mean[:, picked]) / (c + SHRINK) - mean[:, picked]) * sign
            score = torch.where(c >= MIN_COUNT, score, -torch.inf)
            kinds = np.isin(family[picked], (KIND, PREVIOUS_KIND))
            wanted = torch.from_numpy(np.where(kinds, choice.groups[cols[picked], 0], -1))
            score = torch.where((wanted[None, :] < 0) | (token_kind[:, None] == wanted[None, :]), score, -torch.inf)
            top = score.topk(min(k, n_tok), dim=0)
            ids = torch.from_numpy(group_token)[top.indices]
            out[cols[picked], :top.indices.shape[0]] = torch.where(top.values > 0, ids, -1).T.numpy()
    return out


# ---------------------------------------------------------------- pass 2: held-out scores

class Lookup:
    """One sign's explanations as tables: for each family, group -> (neuron columns, values), so
    a window's predictions are a gather."""

    def __init__(self, choice: Choice, feats: Features):
        self.base = torch.from_numpy(choice.base.astype(np.float32))
        self.tables = []
        for family, size in enumerate(feats.sizes):
            cols = np.flatnonzero(choice.family == family)
            g, v = choice.groups[cols], choice.values[cols]
            used = g >= 0
            col = np.broadcast_to(cols[:, None], g.shape)[used]
            grp, val = g[used], v[used]
            order = np.argsort(grp, kind="stable")
            indptr = np.searchsorted(grp[order], np.arange(size + 1))
            self.tables.append((indptr, col[order], val[order].astype(np.float32)))

    def predict(self, groups: list[np.ndarray], n_neurons: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(T, L*F) predicted coefficients and (T, L*F) whether the explanation matched."""
        T = len(groups[0])
        pred = self.base.expand(T, n_neurons).clone()
        match = torch.zeros(T, n_neurons, dtype=torch.bool)
        for (indptr, cols, vals), g in zip(self.tables, groups):
            lengths = indptr[g + 1] - indptr[g]
            if not lengths.sum():
                continue
            rows = np.repeat(np.arange(T), lengths)
            starts = np.repeat(indptr[g] - np.cumsum(lengths) + lengths, lengths)
            entries = starts + np.arange(lengths.sum())
            r, c = torch.from_numpy(rows), torch.from_numpy(cols[entries])
            pred[r, c] = torch.from_numpy(vals[entries])
            match[r, c] = True
        return pred, match


class HeldOutScores:
    """Running sums for the held-out correlation and detection of real and shuffled explanations.

    A shuffled score pairs neuron j's truth with the explanation of neuron shuffle[j]; the sums are
    kept by explanation (so a window permutes the truth once, not every prediction) and put back
    in neuron order at the end. Per-window sums are float32 (256 terms), running ones float64."""

    def __init__(self, n_neurons: int, shuffle: np.ndarray, upper: torch.Tensor, lower: torch.Tensor):
        z = lambda *shape: torch.zeros(*shape, n_neurons, dtype=torch.float64)  # noqa: E731
        self.shuffle = torch.from_numpy(shuffle)
        self.unshuffle = torch.from_numpy(np.argsort(shuffle))  # the neuron whose truth explanation i meets
        self.thresholds = [(upper, lower), (upper[self.unshuffle], lower[self.unshuffle])]  # deciles, as the truth
        self.n = 0
        self.m, self.m2 = z(2), z(2)  # [real, shuffled] (shuffled: in explanation order)
        self.p, self.p2, self.pm = z(3), z(3), z(2, 3)  # [both, +, -]; pm also [real, shuffled]
        self.matched = z(2)  # [sign]: tokens the explanation matched
        self.positives, self.hits = z(2, 2), z(2, 2)  # [real, shuffled][sign]
        self.windows_done = 0

    def add(self, m: torch.Tensor, preds: list[torch.Tensor], matches: list[torch.Tensor]) -> None:
        self.n += m.shape[0]
        predictions = (preds[0] + preds[1], preds[0], preds[1])
        for i, p in enumerate(predictions):
            self.p[i] += p.sum(0)
            self.p2[i] += p.pow(2).sum(0)
        for s in range(2):
            self.matched[s] += matches[s].sum(0)
        for r, truth in enumerate((m, m[:, self.unshuffle])):
            self.m[r] += truth.sum(0)
            self.m2[r] += truth.pow(2).sum(0)
            for i, p in enumerate(predictions):
                self.pm[r, i] += (p * truth).sum(0)
            upper, lower = self.thresholds[r]
            for s, positive in enumerate((truth >= upper, truth <= lower)):
                self.positives[r, s] += positive.sum(0)
                self.hits[r, s] += (matches[s] & positive).sum(0)
        self.windows_done += 1

    def _neuron_order(self, x: torch.Tensor) -> torch.Tensor:
        """[real, shuffled] sums with the shuffled half put back in neuron order."""
        return torch.stack([x[0], x[1][..., self.shuffle]])

    def correlation(self) -> torch.Tensor:
        """(2, 3, L*F): Pearson correlation of prediction and truth, [real, shuffled][both, +, -];
        0 for a constant prediction."""
        n = self.n
        p, p2 = self.p[None], self.p2[None]
        m, m2 = self.m[:, None], self.m2[:, None]
        cov = self.pm - p * m / n
        var_p = p2 - p.pow(2) / n
        var_m = m2 - m.pow(2) / n
        ok = (var_p > 1e-9 * n) & (var_m > 0)
        corr = torch.where(ok, cov / (var_p * var_m).clamp_min(1e-30).sqrt(), torch.zeros((), dtype=torch.float64))
        return self._neuron_order(corr)

    def balanced_accuracy(self) -> torch.Tensor:
        """(2, 2, L*F): (true-positive rate + true-negative rate) / 2, [real, shuffled][sign]; 0.5
        where a decile is empty."""
        pos, neg = self.positives, self.n - self.positives
        rejections = neg - (self.matched[None] - self.hits)  # neither matched nor positive
        ok = (pos > 0) & (neg > 0)
        acc = (self.hits / pos.clamp_min(1) + rejections / neg.clamp_min(1)) / 2
        return self._neuron_order(torch.where(ok, acc, torch.full((), 0.5, dtype=torch.float64)))


# ---------------------------------------------------------------- the rest of the build

def within_layer_shuffle(n_layers: int, d_ff: int, seed: int = 0) -> np.ndarray:
    """(L*F,) a permutation that keeps every neuron in its layer and moves (almost) all of them."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_layers * d_ff, dtype=np.int64)
    for layer in range(n_layers):
        cycle = layer * d_ff + rng.permutation(d_ff)
        out[cycle] = np.roll(cycle, -1)  # one random cycle through the layer: nobody keeps their own
    return out


def quantiles(sample: torch.Tensor, L: int, F: int, block: int = 2048
              ) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]:
    """From the coefficients at the sampled training positions (S, L*F), one sort per neuron gives
    its 90th and 10th percentiles (L*F,) each (the detection deciles), and (L, F, bands, PER_BAND)
    sample rows and values evenly spread over each of QUANTILE_BANDS, strongest first."""
    S = sample.shape[0]
    picks = np.stack([np.linspace(hi * (S - 1), lo * (S - 1), PER_BAND + 2)[1:-1].round().astype(np.int64)
                      for lo, hi in QUANTILE_BANDS])  # (bands, PER_BAND) ranks, the highest first
    flat = torch.from_numpy(picks.flatten())
    upper, lower = torch.zeros(L * F), torch.zeros(L * F)
    index = np.zeros((L * F, *picks.shape), dtype=np.uint16)
    values = np.zeros((L * F, *picks.shape), dtype=np.float16)
    for start in range(0, L * F, block):
        cols = slice(start, start + block)
        ordered, order = sample[:, cols].T.float().contiguous().sort(-1)  # rows: a neuron's S values
        upper[cols], lower[cols] = ordered[:, round(0.9 * (S - 1))], ordered[:, round(0.1 * (S - 1))]
        index[cols] = order[:, flat].reshape(-1, *picks.shape).numpy()
        values[cols] = ordered[:, flat].reshape(-1, *picks.shape).half().numpy()
    return upper, lower, index.reshape(L, F, *picks.shape), values.reshape(L, F, *picks.shape)


@torch.inference_mode()
def writes(model: Transformer, k: int = WRITES) -> np.ndarray:
    """(2, L, F, k) the tokens each neuron's sub-update promotes most when m > 0 and when m < 0."""
    L, F = model.cfg.n_layers, model.cfg.d_ff
    out = np.zeros((2, L, F, k), dtype=np.int32)
    for layer in range(L):
        for start in range(0, F, 512):
            scores = readout.vocab_projection(model, readout.value_matrix(model, layer, slice(start, start + 512)).T)
            out[0, layer, start:start + 512] = scores.topk(k, dim=-1).indices.numpy()
            out[1, layer, start:start + 512] = (-scores).topk(k, dim=-1).indices.numpy()
    return out


def _windows(model: Transformer, d: NeuronDictionary, windows: list[np.ndarray], done: int,
             lock: ContextManager | None) -> Iterator[tuple[np.ndarray, torch.Tensor]]:
    """(positions, m (T, L*F)) for each window from `done` on."""
    for positions in windows[done:]:
        with lock or nullcontext():
            coeffs = model.trace(torch.from_numpy(d.ids[positions].astype(np.int64)), logits="none").coeffs
        yield positions, coeffs.permute(1, 0, 2).reshape(len(positions), -1)


def remove_checkpoint(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def build_key(d: NeuronDictionary) -> str:
    return hashlib.sha256(f"v{BUILD_VERSION}-{d.fingerprint}".encode()).hexdigest()[:16]


@torch.inference_mode()
def build(model: Transformer, d: NeuronDictionary, token_texts: list[str],
          progress: Callable[[int, int], None] | None = None, lock: ContextManager | None = None,
          checkpoint: Path | None = None, checkpoint_every: int = 200) -> Explanations:
    """Explain and score every neuron of `model` over the corpus of dictionary `d` (one pass over
    its training documents, one over the held-out ones). With `checkpoint` (a folder), the
    training pass is saved every `checkpoint_every` windows and resumed by a later call."""
    L, F = model.cfg.n_layers, model.cfg.d_ff
    held_out = split_documents(d)
    train_windows, held_windows = split_windows(d, ~held_out), split_windows(d, held_out)
    train_positions = np.concatenate(train_windows)
    feats = features(d, train_positions, token_texts)
    rng = np.random.default_rng(0)
    sample_positions = np.sort(rng.choice(train_positions, size=min(SAMPLE, len(train_positions)), replace=False))
    slot = np.full(d.n_tokens, -1, dtype=np.int64)
    slot[sample_positions] = np.arange(len(sample_positions))
    stats = TrainStats(feats, L * F, slot)
    key = build_key(d)
    if checkpoint is not None:
        stats.resume(checkpoint, key)
    total = d.n_tokens
    done = sum(len(w) for w in train_windows[:stats.windows_done])
    for positions, m in _windows(model, d, train_windows, stats.windows_done, lock):
        stats.add(feats.of(d.ids[positions], positions), positions, m)
        done += len(positions)
        if checkpoint is not None and stats.windows_done % checkpoint_every == 0:
            stats.save(checkpoint, key)
        if progress:
            progress(done, total)

    choices = [choose(stats, feats, sign) for sign in SIGNS]
    tokens = np.stack([strongest_tokens(stats, feats, c, sign) for c, sign in zip(choices, SIGNS)])
    upper, lower, example_index, example_values = quantiles(stats.sample, L, F)
    del stats
    lookups = [Lookup(c, feats) for c in choices]
    scores = HeldOutScores(L * F, within_layer_shuffle(L, F), upper, lower)
    for positions, m in _windows(model, d, held_windows, 0, lock):
        groups = feats.of(d.ids[positions], positions)
        predicted = [lk.predict(groups, L * F) for lk in lookups]
        scores.add(m, [p for p, _ in predicted], [h for _, h in predicted])
        done += len(positions)
        if progress:
            progress(done, total)
    corr, detection = scores.correlation(), scores.balanced_accuracy()
    shape = lambda a, *lead: np.asarray(a).reshape(*lead, L, F)  # noqa: E731
    return Explanations(
        family=shape([c.family for c in choices], 2).astype(np.uint8),
        groups=np.stack([feats.public(c) for c in choices]).reshape(2, L, F, MAX_GROUPS).astype(np.int32),
        values=np.stack([c.values for c in choices]).reshape(2, L, F, MAX_GROUPS).astype(np.float32),
        base=shape([c.base for c in choices], 2).astype(np.float32),
        train_corr=shape([c.train_corr for c in choices], 2).astype(np.float16),
        tokens=tokens.reshape(2, L, F, -1).astype(np.int32), writes=writes(model),
        corr=shape(corr[0].numpy(), 3).astype(np.float16), detection=shape(detection[0].numpy(), 2).astype(np.float16),
        shuffled_corr=shape(corr[1].numpy(), 3).astype(np.float16),
        shuffled_detection=shape(detection[1].numpy(), 2).astype(np.float16),
        sample_positions=sample_positions.astype(np.int64), example_index=example_index, example_values=example_values,
        held_out=held_out, n_train=np.array(len(train_positions)),
        n_held_out=np.array(sum(len(w) for w in held_windows)), dictionary=np.array(d.fingerprint),
        sources=np.array(d.sources, dtype=str))
