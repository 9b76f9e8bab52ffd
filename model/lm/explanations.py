"""Every neuron in words, with scores that say how far to trust the words.

For each FFN neuron and each sign of its coefficient m, a line that names what the neuron does when it
fires hardest, chosen without a language model (model/lm/explain_choose.py): candidates are drawn from
the groups at its strongest training firings (as N2G does, Foote et al. 2023), across eleven families
(model/lm/explain_groups.py: tokens, whole words, forms of a word, WordNet meanings, token pairs, kinds
of token, positions, kinds of text), and scored as OpenAI's explain–simulate–score scores a simulation
(Bills et al. 2023): over top excerpts plus random ones.

Each sign's line explains that sign's part of m, y = relu(±m). Lines are chosen on the training
documents only; duplicate documents are dropped before the split. On held-out documents, never seen
while choosing, the build measures:

- **corr**: the simulator's correlation with y over every held-out token;
- **corr_top_random**: the same over the neuron's 8 strongest held-out excerpts plus random held-out
  excerpts, the two halves weighted equally (OpenAI's "all" scoring, at 8 tokens an excerpt);
- **covers / covers_held_out**: which of the card's 8 strongest firings, and of the 8 strongest
  held-out firings, the line names;

and three baselines for both correlations: lines shuffled within each layer (a score must beat it), the
full token look-up table (the mean y of every frequent token: not a short line, the token-only
ceiling), and the same pipeline on a randomly initialised model of the same shape (whose lines can
score like trained ones: Heap et al. 2025, arXiv 2501.17727).

The neuron card also shows examples from across each neuron's range (QUANTILE_BANDS of a sample of
training positions), not only its strongest firings.
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
from model.lm import explain_choose as ch
from model.lm import explain_groups as eg
from model.lm import readout
from model.lm.explain_firings import CONTEXT, RunningCorr, TopFirings, covers_all, firing, weighted_corr
from model.lm.explain_groups import (CATEGORY, FAMILY_NAMES, FLAGGED, KIND, LEMMA, PAIR, POSITION,  # noqa: F401
                                     PREVIOUS_KIND, PREVIOUS_TOKEN, SOURCE, SYNSET, TOKEN, WORD, bucket_label,
                                     position_bucket)
from model.lm.neuron_dictionary import WINDOW, NeuronDictionary
from model.util import seeded
from model.util.atomic_file import write_atomically

BUILD_VERSION = 3  # 3: lines from the strongest firings, eleven families, coverage, baselines
HOLD_OUT = 5  # a fifth of each kind of text's documents is held out
MAX_GROUPS = ch.MAX_GROUPS
TOP = 32  # strongest training firings per sign a line's candidates are drawn from
SHOWN = 8  # firings a card shows, and held-out firings coverage is measured on
SAMPLE_EXCERPTS = 750  # random training excerpts of CONTEXT tokens (6,000 tokens), for scoring and quantiles
HELD_OUT_EXCERPTS = 250  # random held-out excerpts (2,000 tokens)
MAX_TOKEN_GROUPS = 8192  # the look-up table baseline's tokens: the most frequent in training (the rest: one row)
RANDOM_INIT_SHARE = 4  # the random-weight model reads every 4th training and held-out window
QUANTILE_BANDS = ((0.99, 1.0), (0.90, 0.99), (0.45, 0.55), (0.01, 0.10), (0.0, 0.01))
BAND_NAMES = ("strongest 1%", "top 10%", "middle (45–55%)", "bottom 10%", "lowest 1%")
PER_BAND = 5
WRITES = 5  # tokens kept of each sign's readout
SIGNS = (1, -1)


@dataclass
class Explanations:
    """Arrays indexed [sign, layer, neuron, ...], sign 0 for m > 0 and 1 for m < 0. Values are in units
    of m (negative for sign 1)."""
    family: np.ndarray  # (2, L, F) uint8: which family (explain_groups) the line names groups of
    groups: np.ndarray  # (2, L, F, MAX_GROUPS) int32: token ids, kinds, position buckets, kinds of text
    #                      (`sources`), indices into `names` (words, forms, meanings) or `pairs`; -1 unused
    values: np.ndarray  # (2, L, F, MAX_GROUPS) float32: the typical m where each group matches
    base: np.ndarray  # (2, L, F) float32: the typical m elsewhere
    peak: np.ndarray  # (2, L, F) float32: the strongest m of that sign on the card (the dictionary's)
    train_corr: np.ndarray  # (2, L, F) float16: the choice's score on training top + random excerpts
    tokens: np.ndarray  # (2, L, F, 3) int32: tokens at the strongest training firings the line names
    writes: np.ndarray  # (2, L, F, WRITES) int32: what its sub-update promotes with that sign (whole tokens)
    covers: np.ndarray  # (2, L, F, SHOWN) bool: which of the card's strongest firings the line names
    covers_held_out: np.ndarray  # (2, L, F, SHOWN) bool: ... of the strongest held-out firings
    held_out_positions: np.ndarray  # (2, L, F, SHOWN) int32: those held-out firings, -1 where fewer
    corr: np.ndarray  # (2, L, F) float16: held-out correlation with y over all tokens
    corr_top_random: np.ndarray  # (2, L, F) float16: ... over top plus random held-out excerpts
    corr_both: np.ndarray  # (L, F) float16: both lines together against m, all held-out tokens
    shuffled_corr: np.ndarray  # (2, L, F) float16: baselines, as corr and corr_top_random
    shuffled_corr_top_random: np.ndarray
    lookup_corr: np.ndarray
    lookup_corr_top_random: np.ndarray
    random_init_corr: np.ndarray
    random_init_corr_top_random: np.ndarray
    random_init_covers_held_out: np.ndarray  # (2, L, F, SHOWN) bool
    random_init_family: np.ndarray  # (2, L, F) uint8
    names: np.ndarray  # (n,) str: the names of whole words, forms, meanings
    pairs: np.ndarray  # (P, 2) int32: (previous token, token) of each pair
    sample_positions: np.ndarray  # (S,) int64: positions into the dictionary's ids
    example_index: np.ndarray  # (L, F, bands, PER_BAND) uint16: into sample_positions
    example_values: np.ndarray  # (L, F, bands, PER_BAND) float16: the coefficient there
    held_out: np.ndarray  # (D,) bool: which of the dictionary's documents were held out
    duplicate: np.ndarray  # (D,) bool: documents dropped as copies of an earlier one
    n_train: np.ndarray  # () int64: training tokens
    n_held_out: np.ndarray  # () int64: held-out tokens
    n_random_init: np.ndarray  # (2,) int64: training and held-out tokens the random-weight model read
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


def duplicate_documents(d: NeuronDictionary) -> np.ndarray:
    """(D,) bool: documents whose tokens repeat an earlier document's exactly (dropped from both sides
    of the split, or a held-out document could be one the lines were chosen on)."""
    ends = np.append(d.doc_starts[1:], d.n_tokens)
    seen, out = set(), np.zeros(len(d.doc_starts), dtype=bool)
    for i, (a, b) in enumerate(zip(d.doc_starts, ends)):
        key = hashlib.sha256(d.ids[a:b].tobytes()).digest()
        out[i] = key in seen
        seen.add(key)
    return out


# ---------------------------------------------------------------- the corpus split

def split_documents(d: NeuronDictionary, seed: int = 0) -> np.ndarray:
    """(D,) bool: the held-out documents, a seeded random 1/HOLD_OUT of each kind of text's distinct
    documents (the corpus interleaves its sources, so every HOLD_OUT-th document would be one kind
    only). Training documents are the rest, less `duplicate_documents`."""
    rng = np.random.default_rng(seed)
    kinds = d.doc_sources if len(d.doc_sources) else np.zeros(len(d.doc_starts), dtype=np.int16)
    distinct = ~duplicate_documents(d)
    held = np.zeros(len(d.doc_starts), dtype=bool)
    for kind in np.unique(kinds):
        docs = np.flatnonzero((kinds == kind) & distinct)
        held[rng.choice(docs, size=int(round(len(docs) / HOLD_OUT)), replace=False)] = True
    return held


def training_documents(d: NeuronDictionary, held: np.ndarray) -> np.ndarray:
    return ~held & ~duplicate_documents(d)


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


# ---------------------------------------------------------------- the rest of the build

def within_layer_shuffle(n_layers: int, d_ff: int, seed: int = 0) -> np.ndarray:
    """(L*F,) a permutation that keeps every neuron in its layer and moves (almost) all of them."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_layers * d_ff, dtype=np.int64)
    for layer in range(n_layers):
        cycle = layer * d_ff + rng.permutation(d_ff)
        out[cycle] = np.roll(cycle, -1)  # one random cycle through the layer: nobody keeps their own
    return out


def quantiles(sample: torch.Tensor, L: int, F: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """From the coefficients at the sampled training positions (S, L*F), one sort per neuron gives
    (L, F, bands, PER_BAND) sample rows and values evenly spread over each of QUANTILE_BANDS,
    strongest first."""
    S = sample.shape[0]
    picks = np.stack([np.linspace(hi * (S - 1), lo * (S - 1), PER_BAND + 2)[1:-1].round().astype(np.int64)
                      for lo, hi in QUANTILE_BANDS])  # (bands, PER_BAND) ranks, the highest first
    flat = torch.from_numpy(picks.flatten())
    index = np.zeros((L * F, *picks.shape), dtype=np.uint16)
    values = np.zeros((L * F, *picks.shape), dtype=np.float16)
    for start in range(0, L * F, block):
        cols = slice(start, start + block)
        ordered, order = sample[:, cols].T.float().contiguous().sort(-1)  # rows: a neuron's S values
        index[cols] = order[:, flat].reshape(-1, *picks.shape).numpy()
        values[cols] = ordered[:, flat].reshape(-1, *picks.shape).half().numpy()
    return index.reshape(L, F, *picks.shape), values.reshape(L, F, *picks.shape)


def whole_tokens(token_texts: list[str]) -> np.ndarray:
    """(V,) bool: tokens a line may say a neuron writes: not a byte piece that renders as '�' or
    '<0x..>', and not empty."""
    return np.array([bool(t.strip()) and "\ufffd" not in t and not (t.startswith("<0x") and t.endswith(">"))
                     for t in token_texts])


@torch.inference_mode()
def writes(model: Transformer, token_texts: list[str], k: int = WRITES) -> np.ndarray:
    """(2, L, F, k) the whole tokens each neuron's sub-update promotes most when m > 0 and when m < 0."""
    L, F = model.cfg.n_layers, model.cfg.d_ff
    out = np.zeros((2, L, F, k), dtype=np.int32)
    hidden = torch.from_numpy(~whole_tokens(token_texts)[:model.cfg.vocab_size])
    for layer in range(L):
        for start in range(0, F, 512):
            scores = readout.vocab_projection(model, readout.value_matrix(model, layer, slice(start, start + 512)).T)
            for s, signed in enumerate((scores, -scores)):
                out[s, layer, start:start + 512] = signed.masked_fill(hidden, -torch.inf).topk(k, dim=-1).indices.numpy()
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


def random_like(model: Transformer, seed: int = 0) -> Transformer:
    """A model of the same shape at initialisation: GPT-2-style N(0, 0.02) matrices, norms 1, biases 0
    (as architectures.transformer.random_block draws one block)."""
    fresh = seeded.allocate(lambda: Transformer(model.cfg))
    g = seeded.generator(seed)
    with torch.no_grad():
        for name, p in fresh.named_parameters():
            if p.ndim > 1:
                p.normal_(0.0, 0.02, generator=g)
            else:
                p.fill_(1.0 if "norm" in name else 0.0)
    return fresh.eval()


def excerpt_sample(windows: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of n random excerpts that do not overlap: CONTEXT consecutive tokens of one
    window each."""
    slots = [w[i:i + CONTEXT] for w in windows for i in range(0, len(w) - CONTEXT + 1, CONTEXT)]
    pick = rng.choice(len(slots), size=min(n, len(slots)), replace=False)
    return np.sort(np.concatenate([slots[i] for i in pick]))


def token_rows(ids: np.ndarray, train_positions: np.ndarray, vocab: int) -> tuple[np.ndarray, int]:
    """(V,) each token's row of the look-up table (the MAX_TOKEN_GROUPS most frequent training tokens
    seen at least MIN_COUNT times; the rest share the last row), and the number of rows."""
    counts = np.bincount(ids[train_positions], minlength=vocab)
    frequent = np.argsort(-counts, kind="stable")[:MAX_TOKEN_GROUPS]
    frequent = frequent[counts[frequent] >= ch.MIN_COUNT]
    rows = np.full(vocab, len(frequent), dtype=np.int64)
    rows[frequent] = np.arange(len(frequent))
    return rows, len(frequent) + 1


class Slots:
    """Coefficients kept at a fixed set of corpus positions while windows stream past."""

    def __init__(self, positions: np.ndarray, n_corpus: int, n_neurons: int):
        self.positions = positions
        self.slot = np.full(n_corpus, -1, dtype=np.int64)
        self.slot[positions] = np.arange(len(positions))
        self.m = torch.zeros(len(positions), n_neurons, dtype=torch.float16)

    def add(self, positions: np.ndarray, m: torch.Tensor) -> None:
        s = self.slot[positions]
        kept = s >= 0
        self.m[torch.from_numpy(s[kept])] = m[torch.from_numpy(kept)].half()


class Reading:
    """What the training pass keeps: each sign's strongest firings with their excerpts, the random
    excerpts' coefficients, y summed overall and per look-up table row."""

    def __init__(self, n_neurons: int, sample: Slots, rows: np.ndarray, n_rows: int | None):
        self.top = [TopFirings(TOP, n_neurons, s) for s in range(2)]
        self.sample = sample
        self.rows = rows
        self.table = [torch.zeros(n_rows, n_neurons) for _ in range(2)] if n_rows else []
        self.table_count = np.zeros(n_rows or 0, dtype=np.int64)
        self.total = [torch.zeros(n_neurons, dtype=torch.float64) for _ in range(2)]
        self.n = 0
        self.windows_done = 0

    def add(self, positions: np.ndarray, ids: np.ndarray, m: torch.Tensor) -> None:
        rows = self.rows[ids]
        for s in range(2):
            y = firing(m, s)
            self.top[s].add(positions, m)
            self.total[s] += y.sum(0, dtype=torch.float64)
            if self.table:
                self.table[s].index_add_(0, torch.from_numpy(rows), y)
        if self.table:
            self.table_count += np.bincount(rows, minlength=len(self.table_count))
        self.sample.add(positions, m)
        self.n += len(positions)
        self.windows_done += 1

    def table_means(self) -> list[torch.Tensor]:
        count = torch.from_numpy(self.table_count).clamp_min(1).float()[:, None]
        return [t / count for t in self.table]

    def _state(self) -> dict[str, torch.Tensor]:
        state = {f"top{s}.{name}": getattr(self.top[s], name) for s in range(2) for name in TopFirings.STATE}
        state |= {f"table{s}": t for s, t in enumerate(self.table)} | {f"total{s}": t for s, t in enumerate(self.total)}
        return state | {"sample": self.sample.m, "table_count": torch.from_numpy(self.table_count)}

    def save(self, folder: Path, key: str) -> None:
        """A checkpoint: a folder of .npy files, written beside and renamed into place."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, t in self._state().items():
            np.save(tmp / f"{name}.npy", t.numpy())
        (tmp / "state.json").write_text(json.dumps({"key": key, "n": self.n, "windows_done": self.windows_done}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def resume(self, folder: Path, key: str) -> bool:
        try:
            meta = json.loads((folder / "state.json").read_text())
            loaded = {name: torch.from_numpy(np.load(folder / f"{name}.npy")) for name in self._state()}
        except (OSError, KeyError, ValueError):
            return False
        if meta.get("key") != key or any(loaded[k].shape != v.shape for k, v in self._state().items()):
            return False
        for s in range(2):
            for name in TopFirings.STATE:
                setattr(self.top[s], name, loaded[f"top{s}.{name}"])
        self.table = [loaded[f"table{s}"] for s in range(len(self.table))]
        self.total = [loaded[f"total{s}"] for s in range(2)]
        self.sample.m, self.table_count = loaded["sample"], loaded["table_count"].numpy()
        self.n, self.windows_done = meta["n"], meta["windows_done"]
        return True


def choose_lines(reading: Reading, pg: eg.PositionGroups, counts: list[np.ndarray], block: int = 4096
                 ) -> list[ch.Lines]:
    """Each sign's line for every neuron, `block` neurons at a time."""
    n = reading.total[0].shape[0]
    in_sample = reading.sample.slot >= 0
    out = []
    for s in range(2):
        lines = ch.Lines.empty(n)
        top = reading.top[s]
        for start in range(0, n, block):
            cols = slice(start, start + block)
            ev = ch.Evidence(top.positions[:, cols], top.values[:, cols], top.context_positions[:, :, cols],
                             top.context_values[:, :, cols].float(), reading.sample.positions,
                             firing(reading.sample.m[:, cols].float(), s), reading.total[s][cols], reading.n)
            part = ch.choose(ev, pg.at, counts, in_sample)
            for f in fields(lines):
                getattr(lines, f.name)[cols] = getattr(part, f.name)
        out.append(lines)
    return out


class Lookup:
    """One sign's lines as tables: for each family, group -> (neuron columns, values), so that a
    window's predictions are a gather."""

    def __init__(self, lines: ch.Lines, sizes: tuple[int, ...]):
        self.base = torch.from_numpy(lines.base.astype(np.float32))
        self.tables = []
        for family, size in enumerate(sizes):
            cols = np.flatnonzero(lines.family == family)
            g, v = lines.groups[cols], lines.values[cols]
            used = g >= 0
            col = np.broadcast_to(cols[:, None], g.shape)[used]
            grp, val = g[used], v[used]
            order = np.argsort(grp, kind="stable")
            indptr = np.searchsorted(grp[order], np.arange(max(size, 1) + 1))
            self.tables.append((indptr, col[order], val[order].astype(np.float32)))

    def predict(self, groups: np.ndarray) -> torch.Tensor:
        """(T, neurons) predicted y from each family's group at T positions (groups: (families, T))."""
        T = groups.shape[1]
        pred = self.base.expand(T, len(self.base)).clone()
        for (indptr, cols, vals), g in zip(self.tables, groups):
            safe = np.maximum(g, 0)
            lengths = np.where(g >= 0, indptr[safe + 1] - indptr[safe], 0)
            if not lengths.sum():
                continue
            rows = np.repeat(np.arange(T), lengths)
            starts = np.repeat(indptr[safe] - np.cumsum(lengths) + lengths, lengths)
            entries = starts + np.arange(lengths.sum())
            pred[torch.from_numpy(rows), torch.from_numpy(cols[entries])] = torch.from_numpy(vals[entries])
        return pred


class HeldOut:
    """The held-out pass's sums: each sign's correlation for the lines, the shuffled lines and the
    look-up table; both lines against m; the strongest held-out firings; the random excerpts."""

    def __init__(self, n: int, shuffle: np.ndarray, sample: Slots):
        self.shuffle, self.unshuffle = shuffle, torch.from_numpy(np.argsort(shuffle))
        self.real, self.shuffled, self.lookup = ([RunningCorr(n) for _ in range(2)] for _ in range(3))
        self.both = RunningCorr(n)
        self.top = [TopFirings(SHOWN, n, s) for s in range(2)]
        self.sample = sample

    def add(self, positions: np.ndarray, m: torch.Tensor, preds: list[torch.Tensor],
            table: list[torch.Tensor] | None) -> None:
        for s in range(2):
            y = firing(m, s)
            self.real[s].add(preds[s], y)
            self.shuffled[s].add(preds[s], y[:, self.unshuffle])  # explanation i meets neuron unshuffle[i]
            if table is not None:
                self.lookup[s].add(table[s], y)
            self.top[s].add(positions, m)
        self.both.add(preds[0] - preds[1], m)
        self.sample.add(positions, m)


def top_random(predict: Callable[[np.ndarray, slice], np.ndarray], top: TopFirings, sample: Slots, sign: int,
               block: int = 4096) -> np.ndarray:
    """(n,) each neuron's correlation over its top held-out excerpts plus the random ones, for a
    simulator `predict(positions (E, b), neuron columns) -> (E, b)`."""
    n = top.values.shape[1]
    out = np.zeros(n)
    for start in range(0, n, block):
        cols = slice(start, min(start + block, n))
        b = cols.stop - cols.start
        ctx = top.context_positions[:, :, cols].flatten(0, 1).long().numpy()
        rand = np.broadcast_to(sample.positions[:, None], (len(sample.positions), b))
        out[cols] = weighted_corr(torch.from_numpy(predict(ctx, cols)), top.context_values[:, :, cols].flatten(0, 1).float(),
                                  torch.from_numpy(ctx >= 0), torch.from_numpy(predict(rand, cols)),
                                  firing(sample.m[:, cols].float(), sign)).numpy()
    return out


def line_predictor(lines: ch.Lines, at: np.ndarray) -> Callable[[np.ndarray, slice], np.ndarray]:
    def predict(positions: np.ndarray, cols: slice) -> np.ndarray:
        part = ch.Lines(*(getattr(lines, f.name)[cols] for f in fields(lines)))
        return ch.predict(part, at, positions)
    return predict


def table_predictor(table: torch.Tensor, rows: np.ndarray, ids: np.ndarray) -> Callable[[np.ndarray, slice], np.ndarray]:
    def predict(positions: np.ndarray, cols: slice) -> np.ndarray:
        r = torch.from_numpy(rows[ids[np.maximum(positions, 0)]])
        return table[:, cols].gather(0, r).numpy()
    return predict


def strongest_named(lines: ch.Lines, top: TopFirings, at: np.ndarray, k: int = 3) -> np.ndarray:
    """(n, k) token ids at the strongest training firings each line names (the token before, for a
    line about the previous token), distinct, -1 where fewer."""
    positions = top.positions.T.numpy()
    hit = covers_all(lines.family, lines.groups, positions, at)
    before = np.isin(lines.family, (PREVIOUS_TOKEN, PREVIOUS_KIND))[:, None]
    ids = np.where(before, at[PREVIOUS_TOKEN, np.maximum(positions, 0)], at[TOKEN, np.maximum(positions, 0)])
    out = np.full((len(lines.family), k), -1, dtype=np.int64)
    for i in np.flatnonzero(hit.any(1)):
        seen = list(dict.fromkeys(ids[i][hit[i]].tolist()))[:k]
        out[i, :len(seen)] = seen
    return out


@dataclass
class Run:
    """One reading of the corpus by one model: its lines and what the held-out documents said of them."""
    lines: list[ch.Lines]
    reading: Reading
    held: HeldOut
    corr_top_random: np.ndarray  # (2, n)
    shuffled_top_random: np.ndarray
    lookup_top_random: np.ndarray


@torch.inference_mode()
def read_corpus(model: Transformer, d: NeuronDictionary, pg: eg.PositionGroups, train_windows: list[np.ndarray],
                held_windows: list[np.ndarray], progress: Callable[[int], None], lock: ContextManager | None,
                checkpoint: Path | None = None, checkpoint_every: int = 200, table: bool = True) -> Run:
    """Choose every neuron's lines on the training windows and score them on the held-out ones."""
    n = model.cfg.n_layers * model.cfg.d_ff
    rng = np.random.default_rng(0)
    train_positions = np.concatenate(train_windows)
    rows, n_rows = token_rows(d.ids, train_positions, model.cfg.vocab_size)
    reading = Reading(n, Slots(excerpt_sample(train_windows, SAMPLE_EXCERPTS, rng), d.n_tokens, n), rows,
                      n_rows if table else None)
    key = build_key(d)
    if checkpoint is not None:
        reading.resume(checkpoint, key)
    progress(sum(len(w) for w in train_windows[:reading.windows_done]))
    for positions, m in _windows(model, d, train_windows, reading.windows_done, lock):
        reading.add(positions, d.ids[positions], m)
        if checkpoint is not None and reading.windows_done % checkpoint_every == 0:
            reading.save(checkpoint, key)
        progress(len(positions))
    trained = pg.at[:, train_positions]
    counts = [np.bincount(a[a >= 0], minlength=max(size, 1)) for a, size in zip(trained, pg.sizes)]
    lines = choose_lines(reading, pg, counts)
    lookups = [Lookup(li, pg.sizes) for li in lines]
    means = reading.table_means() if table else None
    held = HeldOut(n, within_layer_shuffle(model.cfg.n_layers, model.cfg.d_ff),
                   Slots(excerpt_sample(held_windows, HELD_OUT_EXCERPTS, rng), d.n_tokens, n))
    for positions, m in _windows(model, d, held_windows, 0, lock):
        r = torch.from_numpy(rows[d.ids[positions]])
        held.add(positions, m, [lk.predict(pg.at[:, positions]) for lk in lookups],
                 [t[r] for t in means] if means else None)
        progress(len(positions))
    ids = d.ids.astype(np.int64)
    scores = [[top_random(line_predictor(lines[s], pg.at), held.top[s], held.sample, s) for s in range(2)],
              [top_random(line_predictor(lines[s].permuted(held.shuffle), pg.at), held.top[s], held.sample, s)
               for s in range(2)],
              [top_random(table_predictor(means[s], rows, ids), held.top[s], held.sample, s) if means else np.zeros(n)
               for s in range(2)]]
    return Run(lines, reading, held, *(np.stack(x) for x in scores))


def build(model: Transformer, d: NeuronDictionary, token_texts: list[str],
          progress: Callable[[int, int], None] | None = None, lock: ContextManager | None = None,
          checkpoint: Path | None = None, checkpoint_every: int = 200, random_init: bool = True) -> Explanations:
    """Explain and score every neuron of `model` over the corpus of dictionary `d`, then run the same
    pipeline on a randomly initialised model of the same shape over every RANDOM_INIT_SHARE-th window.
    With `checkpoint` (a folder), the trained model's training pass is saved every `checkpoint_every`
    windows and resumed by a later call."""
    L, F = model.cfg.n_layers, model.cfg.d_ff
    held_out = split_documents(d)
    duplicate = duplicate_documents(d)
    train_windows, held_windows = split_windows(d, ~held_out & ~duplicate), split_windows(d, held_out)
    pg = eg.position_groups(d.ids, d.doc_starts, d.doc_sources, train_windows + held_windows, token_texts)
    few = (train_windows[::RANDOM_INIT_SHARE], held_windows[::RANDOM_INIT_SHARE]) if random_init else ([], [])
    total = sum(len(w) for w in train_windows + held_windows + few[0] + few[1])
    done = [0]

    def step(k: int) -> None:
        done[0] += k
        if progress:
            progress(done[0], total)

    run = read_corpus(model, d, pg, train_windows, held_windows, step, lock, checkpoint, checkpoint_every)
    example_index, example_values = quantiles(run.reading.sample.m, L, F)
    rand = read_corpus(random_like(model), d, pg, *few, step, lock, table=False) if random_init else run
    shape = lambda a, *lead: np.asarray(a).reshape(*lead, L, F)  # noqa: E731
    card = [d.top_positions.reshape(L * F, -1), d.bottom_positions.reshape(L * F, -1)]
    signed = np.array(SIGNS, dtype=np.float64)[:, None, None]

    def coverage(r: Run, positions: list[np.ndarray]) -> np.ndarray:
        return np.stack([covers_all(r.lines[s].family, r.lines[s].groups, positions[s], pg.at)
                         for s in range(2)]).reshape(2, L, F, -1)

    held_positions = [run.held.top[s].positions.T.numpy() for s in range(2)]
    lines = run.lines
    return Explanations(
        family=shape([li.family for li in lines], 2).astype(np.uint8),
        groups=np.stack([li.groups for li in lines]).reshape(2, L, F, MAX_GROUPS).astype(np.int32),
        values=(np.stack([li.values for li in lines]) * signed).reshape(2, L, F, MAX_GROUPS).astype(np.float32),
        base=(shape([li.base for li in lines], 2) * signed).astype(np.float32),
        peak=np.stack([d.top_values[..., 0], d.bottom_values[..., 0]]).astype(np.float32),
        train_corr=shape([li.train_corr for li in lines], 2).astype(np.float16),
        tokens=np.stack([strongest_named(lines[s], run.reading.top[s], pg.at) for s in range(2)]
                        ).reshape(2, L, F, -1).astype(np.int32),
        writes=writes(model, token_texts),
        covers=coverage(run, card), covers_held_out=coverage(run, held_positions),
        held_out_positions=np.stack(held_positions).reshape(2, L, F, -1).astype(np.int32),
        corr=shape(np.stack([c.corr() for c in run.held.real]), 2).astype(np.float16),
        corr_top_random=shape(run.corr_top_random, 2).astype(np.float16),
        corr_both=shape(run.held.both.corr()).astype(np.float16),
        shuffled_corr=shape(np.stack([c.corr()[run.held.shuffle] for c in run.held.shuffled]), 2).astype(np.float16),
        shuffled_corr_top_random=shape(run.shuffled_top_random, 2).astype(np.float16),
        lookup_corr=shape(np.stack([c.corr() for c in run.held.lookup]), 2).astype(np.float16),
        lookup_corr_top_random=shape(run.lookup_top_random, 2).astype(np.float16),
        random_init_corr=shape(np.stack([c.corr() for c in rand.held.real]), 2).astype(np.float16),
        random_init_corr_top_random=shape(rand.corr_top_random, 2).astype(np.float16),
        random_init_covers_held_out=coverage(rand, [rand.held.top[s].positions.T.numpy() for s in range(2)]),
        random_init_family=shape([li.family for li in rand.lines], 2).astype(np.uint8),
        names=np.array(pg.names, dtype=str), pairs=pg.pairs,
        sample_positions=run.reading.sample.positions.astype(np.int64), example_index=example_index,
        example_values=example_values, held_out=held_out, duplicate=duplicate,
        n_train=np.array(sum(len(w) for w in train_windows)), n_held_out=np.array(sum(len(w) for w in held_windows)),
        n_random_init=np.array([sum(len(w) for w in few[0]), sum(len(w) for w in few[1])]),
        dictionary=np.array(d.fingerprint), sources=np.array(d.sources, dtype=str))
