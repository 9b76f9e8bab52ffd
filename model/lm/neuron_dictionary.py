"""A dictionary of every FFN neuron: its top-activating contexts over a corpus.

For each of the model's layers x d_ff neurons we keep the K largest and the K most
negative coefficients m seen anywhere in the corpus, with the token positions where they
occurred (a SwiGLU coefficient takes either sign, and a neuron whose m is negative writes
minus its value vector), a histogram of all its coefficients, and their mean and spread. One pass of the model
over the corpus builds it; it is saved as an .npz file and reused.

Rankings across neurons use each neuron's own scale (Neuroscope, Neuronpedia): a few
last-layer neurons reach coefficients of 20 or more and would fill every list ranked
by raw m, so "fires most on" ranks by the fraction of the neuron's own corpus maximum.
"""
from __future__ import annotations

import functools
import hashlib
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Iterator

import numpy as np
import torch

from model.architectures.transformer import Transformer
from model.lm.readout import final_norm_dual, layer_dots, top_neurons
from model.util.atomic_file import write_atomically

TOP_K = 8
WINDOW = 256  # tokens per forward pass; documents longer than this are cut into windows
HIST_EDGES = np.linspace(-6.0, 6.0, 49, dtype=np.float32)  # values outside fall in the end bins
ARRAYS = ("ids", "doc_starts", "top_values", "top_positions", "bottom_values", "bottom_positions", "hist", "mean",
          "std")
BUILD_VERSION = 2  # part of a checkpoint's key: a checkpoint of another version is not resumed
PARTIAL_FIRST, PARTIAL_EVERY = 10.0, 60.0  # seconds: a build's first partial dictionary, then each newer one


@dataclass
class NeuronDictionary:
    ids: np.ndarray  # (N,) int32: every corpus token, documents concatenated
    doc_starts: np.ndarray  # (D,) int64: where each document begins in `ids`
    top_values: np.ndarray  # (L, F, K) float32, descending
    top_positions: np.ndarray  # (L, F, K) int64 index into `ids`
    bottom_values: np.ndarray  # (L, F, K) float32, ascending: the most negative first
    bottom_positions: np.ndarray  # (L, F, K) int64
    hist: np.ndarray  # (L, F, len(HIST_EDGES) - 1) int32
    mean: np.ndarray  # (L, F) float32: mean coefficient over the corpus
    std: np.ndarray  # (L, F) float32
    doc_sources: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))  # (D,) into `sources`
    sources: tuple[str, ...] = ()  # what kind of text each source is ("encyclopaedic", ...)
    model_key: str = ""  # which model built it (model_key()); "" for an unknown one
    corpus_tokens: int = 0  # a partial dictionary (a build under way): the whole corpus's tokens; 0 when complete

    @property
    def n_tokens(self) -> int:
        """The tokens it was built from (a partial dictionary: the corpus's first n_tokens)."""
        return int(self.ids.shape[0])

    @property
    def partial(self) -> bool:
        """Built from the first n_tokens of a corpus of corpus_tokens, while its build goes on."""
        return self.corpus_tokens > self.n_tokens

    @functools.cached_property
    def fingerprint(self) -> str:
        """Which corpus and model this is, as a short string: a cache key for views computed from it."""
        return hashlib.sha256(self.ids.tobytes() + self.model_key.encode()).hexdigest()[:16]

    @property
    def peak(self) -> np.ndarray:
        """(L, F): each neuron's largest coefficient over the corpus."""
        return self.top_values[..., 0]

    @property
    def trough(self) -> np.ndarray:
        """(L, F): each neuron's most negative coefficient over the corpus."""
        return self.bottom_values[..., 0]

    def extremes(self, layer: int, neuron: int, sign: int = 1) -> list[tuple[float, int]]:
        """(m, position) of the neuron's strongest firings with that sign, strongest first."""
        values, positions = ((self.top_values, self.top_positions) if sign >= 0
                             else (self.bottom_values, self.bottom_positions))
        return [(float(v), int(p)) for v, p in zip(values[layer, neuron], positions[layer, neuron])
                if np.isfinite(v) and (v > 0 if sign >= 0 else v < 0)]

    def save(self, path: Path, compress: bool = True) -> None:
        arrays = {k: getattr(self, k) for k in ARRAYS}
        arrays.update(doc_sources=self.doc_sources, sources=np.array(self.sources, dtype=str),
                      model_key=np.array(self.model_key))
        write_atomically(path, lambda tmp: (np.savez_compressed if compress else np.savez)(tmp, **arrays))

    @classmethod
    def load(cls, path: Path) -> "NeuronDictionary":
        with np.load(path) as f:
            return cls(**{k: f[k] for k in ARRAYS}, doc_sources=f["doc_sources"],
                       sources=tuple(str(s) for s in f["sources"]), model_key=str(f["model_key"]))

    def context(self, position: int, before: int = 12, after: int = 3) -> tuple[list[int], int]:
        """Token ids around `position`, within its document, and the index of `position` in them."""
        doc = self.document_of(position)
        start = max(int(self.doc_starts[doc]), position - before)
        end_of_doc = int(self.doc_starts[doc + 1]) if doc + 1 < len(self.doc_starts) else self.n_tokens
        end = min(end_of_doc, position + after + 1)
        return self.ids[start:end].tolist(), position - start

    def document_of(self, position: int) -> int:
        return int(np.searchsorted(self.doc_starts, position, side="right")) - 1

    def source_of(self, position: int) -> str:
        """The kind of text a corpus position comes from, or '' when the dictionary does not say."""
        if not len(self.doc_sources):
            return ""
        return self.sources[int(self.doc_sources[self.document_of(position)])]

    def source_shares(self) -> dict[str, float]:
        """Each kind of text's share of the corpus's tokens, largest first."""
        lengths = np.diff(np.append(self.doc_starts, self.n_tokens))
        shares = np.bincount(self.doc_sources, weights=lengths, minlength=len(self.sources)) / self.n_tokens
        return {name: float(share) for share, name in sorted(zip(shares, self.sources), reverse=True)}

    def share_of_peak(self, layer: int, neuron: int, value: float) -> float:
        """`value` as a fraction of the neuron's strongest firing of the same sign in the corpus."""
        extreme = float(self.peak[layer, neuron] if value >= 0 else self.trough[layer, neuron])
        return value / extreme if extreme * value > 0 else 0.0


def corpus_key(documents: list[str]) -> str:
    return hashlib.sha256("\x00".join(documents).encode()).hexdigest()[:16]


def model_key(source: Path) -> str:
    """The model file a dictionary belongs to: its name and size (the file is pinned)."""
    return f"{source.name}:{source.stat().st_size}"


def windows(doc_ids: list[list[int]]) -> list[tuple[int, list[int]]]:
    """(global start, ids) chunks of at most WINDOW tokens. Short documents are packed
    together (one forward pass over 256 tokens costs far less than over 6 x 40), so a
    document may see the end of the previous one as context, as in LM pretraining."""
    flat = [t for ids in doc_ids for t in ids]
    cuts = sorted({0, *np.cumsum([len(d) for d in doc_ids]).tolist()})
    out, start = [], 0
    while start < len(flat):
        # end at the last document boundary that fits, or cut a long document
        fitting = [c for c in cuts if start < c <= start + WINDOW]
        end = fitting[-1] if fitting else start + WINDOW
        out.append((start, flat[start:end]))
        start = end
    return out


_N_BINS = len(HIST_EDGES) - 1
_BIN_SCALE = 1 / float(HIST_EDGES[1] - HIST_EDGES[0])  # 4: bins a quarter wide
_BIN_OFFSET = -float(HIST_EDGES[0]) * _BIN_SCALE - 1  # 23: the inner edges are -5.75 + j/4
assert _BIN_SCALE == 2.0 ** round(np.log2(_BIN_SCALE)) and np.allclose(np.diff(HIST_EDGES), 1 / _BIN_SCALE), \
    "the bins are computed as ceil(m * scale): uniform edges a power of two apart"


def _merge(values: torch.Tensor, positions: torch.Tensor, m: torch.Tensor, extreme: torch.Tensor,
           window_positions: torch.Tensor, largest: bool) -> None:
    """Fold a window's coefficients m (L, T, F) into the running (L, F, K) extremes, in place, for
    only the neurons whose window `extreme` (L, F) beats their current K-th value."""
    beats = extreme > values[..., -1] if largest else extreme < values[..., -1]
    layer, neuron = beats.nonzero(as_tuple=True)
    if not len(layer):
        return
    both = torch.cat([values[layer, neuron], m[layer, :, neuron]], 1)
    where = torch.cat([positions[layer, neuron], window_positions.expand(len(layer), -1)], 1)
    kept, order = both.topk(TOP_K, dim=1, largest=largest)
    values[layer, neuron], positions[layer, neuron] = kept, where.gather(1, order)


class _Accumulator:
    """Running top-K, histogram and first two moments of every neuron's coefficients.

    Cheap beside the forward pass that feeds it: a neuron's top and bottom lists are merged only when
    the window beats its current K-th value (after the first windows, few neurons a window), the
    histogram's bins are computed, not searched for, and each layer's coefficients are read while
    they are in the core's cache. SmolLM2-135M, one core, a 200-token window late in a build: 55 ms
    of CPU, against 690 ms before this design and about 700 ms for the window's forward pass."""

    def __init__(self, L: int, F: int):
        self.top_v = torch.full((L, F, TOP_K), -torch.inf)
        self.top_p = torch.zeros((L, F, TOP_K), dtype=torch.int64)
        self.bot_v = torch.full((L, F, TOP_K), torch.inf)
        self.bot_p = torch.zeros((L, F, TOP_K), dtype=torch.int64)
        self.hist = torch.zeros((L, F, len(HIST_EDGES) - 1), dtype=torch.int64)
        self.sum = torch.zeros((L, F), dtype=torch.float64)
        self.sum_sq = torch.zeros((L, F), dtype=torch.float64)
        self.windows_done = 0
        self._neuron = torch.arange(F, dtype=torch.int32)  # a layer's flat bin index is bin * F + neuron

    def add(self, start: int, m: torch.Tensor) -> None:
        """m: (L, T, F) coefficients of the window beginning at corpus position `start`."""
        L, T, F = m.shape
        positions = start + torch.arange(T)
        _merge(self.top_v, self.top_p, m, m.amax(1), positions, largest=True)
        _merge(self.bot_v, self.bot_p, m, m.amin(1), positions, largest=False)
        for layer, x in enumerate(m):  # (T, F): one layer at a time stays in the core's cache (3x faster)
            # torch.bucketize's bins (each edge belongs to the bin below it), computed: ceil(m/w) is
            # exact for a bin width w of a power of two, and ceil(m/w + n) = ceil(m/w) + n
            bins = (x * _BIN_SCALE).ceil_().add_(_BIN_OFFSET).clamp_(0, _N_BINS - 1).nan_to_num_(0).int()
            counts = torch.bincount(bins.mul_(F).add_(self._neuron).view(-1), minlength=_N_BINS * F)
            self.hist[layer] += counts.view(_N_BINS, F).T  # (bin, neuron) -> (neuron, bin)
            self.sum[layer] += x.sum(0).double()  # float32 over one window's tokens, float64 across windows
            self.sum_sq[layer] += (x * x).sum(0).double()
        self.windows_done += 1

    STATE = ("top_v", "top_p", "bot_v", "bot_p", "hist", "sum", "sum_sq")

    def save(self, path: Path, key: str) -> None:
        state = {k: getattr(self, k).numpy() for k in self.STATE}
        write_atomically(path, lambda tmp: np.savez(tmp, key=np.array(key), windows_done=self.windows_done, **state))

    def resume(self, path: Path, key: str) -> bool:
        """Continue from a checkpoint of the same build, if there is one."""
        try:
            with np.load(path) as f:
                if str(f["key"]) != key:
                    return False
                for k in self.STATE:
                    setattr(self, k, torch.from_numpy(f[k]))
                self.windows_done = int(f["windows_done"])
            return True
        except (OSError, KeyError, ValueError):
            return False

    def dictionary(self, corpus: "_Corpus", done: int, total: int) -> NeuronDictionary:
        """The dictionary of the corpus's first `done` tokens (of `total`), from the state so far."""
        starts = corpus.doc_starts[corpus.doc_starts < done] if done < total else corpus.doc_starts
        mean = self.sum / max(done, 1)
        std = (self.sum_sq / max(done, 1) - mean.pow(2)).clamp_min(0).sqrt()
        return NeuronDictionary(corpus.ids[:done], starts, self.top_v.numpy().astype(np.float32),
                                self.top_p.numpy().copy(), self.bot_v.numpy().astype(np.float32),
                                self.bot_p.numpy().copy(), self.hist.numpy().astype(np.int32),
                                mean.float().numpy(), std.float().numpy(), corpus.doc_sources[:len(starts)],
                                corpus.sources, corpus.model_key, corpus_tokens=0 if done >= total else total)


@dataclass(frozen=True)
class _Corpus:
    """The tokenised corpus a build runs over, documents concatenated."""
    ids: np.ndarray
    doc_starts: np.ndarray
    doc_sources: np.ndarray
    sources: tuple[str, ...]
    model_key: str


def coefficient_windows(model: Transformer, chunks: list[tuple[int, list[int]]], batch: int = 1, workers: int = 1,
                        lock: ContextManager | None = None) -> Iterator[tuple[int, torch.Tensor]]:
    """The corpus pass, as a generator: (start, m) for each (start, ids) of `chunks` (see `windows`),
    in order, with m the (L, T, d_ff) FFN coefficients of its T tokens, float32.

    Nothing else is computed or kept (`Transformer.ffn_coefficients`): no final norm, no logits, no
    attention or residual updates. `batch` windows share one forward pass (right-padded). `workers`
    passes run at once, each in a thread of its own, while the caller reads the last one (with one
    torch thread each, two workers keep two cores busy without torch's threads waiting for each
    other at every matrix product). `lock`, if given, is held around each pass (a server's forward
    slot). What each choice costs on this machine is in docs/performance.md."""
    groups = [chunks[i:i + batch] for i in range(0, len(chunks), batch)]

    def run(group: list[tuple[int, list[int]]]) -> torch.Tensor:
        with torch.inference_mode(), lock or nullcontext():
            return model.ffn_coefficients([torch.tensor(ids) for _, ids in group])

    def split(group, m):
        return [(start, m[b, :, :len(ids)]) for b, (start, ids) in enumerate(group)]

    if workers <= 1:
        for group in groups:
            yield from split(group, run(group))
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="coefficients")
    try:
        ahead = deque((g, pool.submit(run, g)) for g in groups[:workers])
        later = iter(groups[workers:])
        while ahead:
            group, future = ahead.popleft()
            m = future.result()
            following = next(later, None)
            if following is not None:
                ahead.append((following, pool.submit(run, following)))
            yield from split(group, m)
    finally:
        pool.shutdown(cancel_futures=True)


@torch.inference_mode()
def build(model: Transformer, tokenizer, documents: list[str],
          progress: Callable[[int, int], None] | None = None, lock: ContextManager | None = None,
          checkpoint: Path | None = None, checkpoint_every: int = 25, sources: list[str] | None = None,
          model_source: Path | None = None, partial: Callable[["NeuronDictionary"], None] | None = None,
          partial_first: float = PARTIAL_FIRST, partial_every: float = PARTIAL_EVERY, batch: int = 1,
          workers: int = 1) -> NeuronDictionary:
    """One pass over the corpus (`coefficient_windows` with `batch` and `workers`). `lock`, if
    given, is held around each forward pass, so a server's visitors get their turn between
    windows. With `checkpoint`, the state is saved every `checkpoint_every` windows and a later
    call with the same corpus resumes from it.
    `sources` names the kind of text of each document (for the page to show). `partial`, if
    given, hears the dictionary of the corpus covered so far (its first tokens: windows run in
    order; `NeuronDictionary.partial`), first after `partial_first` seconds, then every
    `partial_every` seconds, until the build ends."""
    encoded = [(i, tokenizer.encode(d).ids) for i, d in enumerate(documents)]
    encoded = [(i, ids) for i, ids in encoded if ids]
    doc_ids = [ids for _, ids in encoded]
    names = sorted(set(sources)) if sources else []
    corpus = _Corpus(np.concatenate([np.asarray(d, dtype=np.int32) for d in doc_ids]) if doc_ids
                     else np.zeros(0, dtype=np.int32),
                     np.cumsum([0] + [len(d) for d in doc_ids[:-1]]).astype(np.int64),
                     np.array([names.index(sources[i]) for i, _ in encoded], dtype=np.int16) if sources
                     else np.zeros(0, dtype=np.int16), tuple(names),
                     model_key(model_source) if model_source else "")
    acc = _Accumulator(model.cfg.n_layers, model.cfg.d_ff)
    key = f"v{BUILD_VERSION}-{corpus_key(documents)}-{model_key(model_source) if model_source else ''}"
    if checkpoint is not None:
        acc.resume(checkpoint, key)
    chunks = windows(doc_ids)
    total = sum(len(ids) for _, ids in chunks)
    done = sum(len(ids) for _, ids in chunks[:acc.windows_done])
    passes = coefficient_windows(model, chunks[acc.windows_done:], batch, workers, lock)
    publish_at = time.monotonic() + partial_first
    for _, ids in chunks[acc.windows_done:]:
        acc.add(*next(passes))
        done += len(ids)
        if checkpoint is not None and acc.windows_done % checkpoint_every == 0:
            acc.save(checkpoint, key)
        if progress:
            progress(done, total)
        if partial and done < total and time.monotonic() >= publish_at:
            partial(acc.dictionary(corpus, done, total))
            publish_at = time.monotonic() + partial_every
    return acc.dictionary(corpus, total, total)


def load_or_build(model: Transformer, tokenizer, documents: list[str], cache_dir: Path,
                  progress: Callable[[int, int], None] | None = None,
                  lock: ContextManager | None = None, model_source: Path | None = None) -> NeuronDictionary:
    """A dictionary of `documents` (a user's upload) read by the model from `model_source`: from the
    cache, or built and cached. The cache file names the model too, so two models never share one."""
    owner = hashlib.sha256(model_key(model_source).encode()).hexdigest()[:8] if model_source else "unknown"
    path = cache_dir / f"dictionary-{corpus_key(documents)}-{owner}.npz"
    if path.is_file():
        try:
            return NeuronDictionary.load(path)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)
    d = build(model, tokenizer, documents, progress, lock, model_source=model_source)
    try:
        d.save(path)
    except OSError:
        pass
    return d


@torch.inference_mode()
def neurons_promoting(model: Transformer, token: int, k: int = 10) -> list[tuple[int, int, float]]:
    """(layer, neuron, score): value vectors most aligned with `token`'s unembedding,
    through the final norm: the neurons that write this token when they fire."""
    return top_neurons(layer_dots(model, final_norm_dual(model, model.unembedding[token])), k)


@dataclass(frozen=True)
class Firing:
    layer: int
    neuron: int
    share_of_peak: float  # mean coefficient on the token / the neuron's strongest same-sign firing in the corpus
    mean_m: float  # mean coefficient on the token's occurrences


@torch.inference_mode()
def neurons_firing_on(model: Transformer, d: NeuronDictionary, token: int, k: int = 10,
                      max_occurrences: int = 6) -> tuple[list[Firing], int]:
    """The neurons that fire most on `token`, each on its own scale: the mean coefficient over
    the token's occurrences in the corpus (each run with its preceding context) as a fraction
    of the neuron's strongest firing of that sign in the corpus; and how many occurrences that was. A token the corpus
    lacks is run on its own (0 occurrences)."""
    where = np.flatnonzero(d.ids == token)[:max_occurrences]
    coeffs = []
    for position in where.tolist():
        ids, at = d.context(int(position), before=24, after=0)
        coeffs.append(model.trace(torch.tensor(ids), logits="none").coeffs[:, at])
    if not coeffs:
        coeffs.append(model.trace(torch.tensor([token]), logits="none").coeffs[:, 0])
    mean = torch.stack(coeffs).mean(0)  # (L, F)
    extreme = torch.where(mean >= 0, torch.from_numpy(d.peak), torch.from_numpy(d.trough))
    share = torch.where(extreme * mean > 0, mean / extreme, torch.zeros_like(mean))
    return [Firing(layer, n, v, float(mean[layer, n])) for layer, n, v in top_neurons(share, k)], len(where)
