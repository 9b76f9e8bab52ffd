"""A dictionary of every FFN neuron: its top-activating contexts over a corpus.

For each of the model's layers x d_ff neurons we keep the K largest coefficients m
seen anywhere in the corpus with the token position where they occurred, and a
histogram of all its coefficients. One pass of the model over the corpus builds
it; it is saved as an .npz file and reused on later starts.
"""
from __future__ import annotations

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager

import numpy as np
import torch

from model.architectures.transformer import Transformer
from model.util.atomic_file import write_atomically

TOP_K = 8
WINDOW = 256  # tokens per forward pass; documents longer than this are cut into windows
HIST_EDGES = np.linspace(-6.0, 6.0, 49, dtype=np.float32)  # values outside fall in the end bins


@dataclass
class NeuronDictionary:
    ids: np.ndarray  # (N,) int32: every corpus token, documents concatenated
    doc_starts: np.ndarray  # (D,) int64: where each document begins in `ids`
    top_values: np.ndarray  # (L, F, K) float32, descending
    top_positions: np.ndarray  # (L, F, K) int64 index into `ids`
    hist: np.ndarray  # (L, F, len(HIST_EDGES) - 1) int32

    @property
    def n_tokens(self) -> int:
        return int(self.ids.shape[0])

    def save(self, path: Path) -> None:
        write_atomically(path, lambda tmp: np.savez_compressed(
            tmp, ids=self.ids, doc_starts=self.doc_starts, top_values=self.top_values,
            top_positions=self.top_positions, hist=self.hist))

    @classmethod
    def load(cls, path: Path) -> "NeuronDictionary":
        with np.load(path) as f:
            return cls(**{k: f[k] for k in ("ids", "doc_starts", "top_values", "top_positions", "hist")})

    def context(self, position: int, before: int = 12, after: int = 3) -> tuple[list[int], int]:
        """Token ids around `position`, within its document, and the index of `position` in them."""
        doc = int(np.searchsorted(self.doc_starts, position, side="right")) - 1
        start = max(int(self.doc_starts[doc]), position - before)
        end_of_doc = int(self.doc_starts[doc + 1]) if doc + 1 < len(self.doc_starts) else self.n_tokens
        end = min(end_of_doc, position + after + 1)
        return self.ids[start:end].tolist(), position - start


def corpus_key(documents: list[str]) -> str:
    return hashlib.sha256("\x00".join(documents).encode()).hexdigest()[:16]


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


@torch.inference_mode()
def build(model: Transformer, tokenizer, documents: list[str],
          progress: Callable[[int, int], None] | None = None, lock: ContextManager | None = None) -> NeuronDictionary:
    """One pass over the corpus. `lock`, if given, is held around each forward pass, so a
    server's visitors get their turn between windows."""
    doc_ids = [tokenizer.encode(d).ids for d in documents]
    doc_ids = [d for d in doc_ids if d]
    L, F = model.cfg.n_layers, model.cfg.d_ff
    top_v = torch.full((L, F, TOP_K), -torch.inf)
    top_p = torch.zeros((L, F, TOP_K), dtype=torch.int64)
    hist = np.zeros((L, F, len(HIST_EDGES) - 1), dtype=np.int64)
    edges = torch.from_numpy(HIST_EDGES)
    chunks = windows(doc_ids)
    total = sum(len(ids) for _, ids in chunks)
    done = 0
    for start, ids in chunks:
        with lock or nullcontext():
            m = model.trace(torch.tensor(ids), all_logits=False).coeffs  # (L, T, F)
        vals = m.permute(0, 2, 1)  # (L, F, T)
        pos = (start + torch.arange(len(ids))).expand(L, F, -1)
        merged_v, merged_p = torch.cat([top_v, vals], -1), torch.cat([top_p, pos], -1)
        top_v, order = merged_v.topk(TOP_K, dim=-1)
        top_p = merged_p.gather(-1, order)
        n_bins = len(HIST_EDGES) - 1
        bins = torch.bucketize(vals.contiguous(), edges[1:-1])  # (L, F, T), 0..n_bins-1
        flat_bins = bins + n_bins * torch.arange(L * F).view(L, F, 1)
        hist += torch.bincount(flat_bins.flatten(), minlength=L * F * n_bins).view(L, F, n_bins).numpy()
        done += len(ids)
        if progress:
            progress(done, total)
    starts = np.cumsum([0] + [len(d) for d in doc_ids[:-1]])
    return NeuronDictionary(np.concatenate([np.asarray(d, dtype=np.int32) for d in doc_ids]), starts,
                            top_v.numpy().astype(np.float32), top_p.numpy(), hist.astype(np.int32))


def load_or_build(model: Transformer, tokenizer, documents: list[str], cache_dir: Path,
                  progress: Callable[[int, int], None] | None = None,
                  lock: ContextManager | None = None) -> NeuronDictionary:
    path = cache_dir / f"dictionary-{corpus_key(documents)}.npz"
    if path.is_file():
        try:
            return NeuronDictionary.load(path)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)
    d = build(model, tokenizer, documents, progress, lock)
    try:
        d.save(path)
    except OSError:
        pass
    return d


@torch.inference_mode()
def neurons_promoting(model: Transformer, token: int, k: int = 10) -> list[tuple[int, int, float]]:
    """(layer, neuron, score): value vectors most aligned with `token`'s unembedding,
    through the final norm's gain: the neurons that write this token when they fire."""
    gain = model.final_norm.weight if model.final_norm is not None else 1.0
    u = gain * model.unembedding[token]
    scores = torch.stack([u @ b.ffn.down_proj.weight for b in model.blocks])  # (L, F)
    vals, flat = scores.flatten().topk(k)
    F = scores.shape[1]
    return [(int(i) // F, int(i) % F, float(v)) for v, i in zip(vals, flat)]


@torch.inference_mode()
def neurons_firing_on(model: Transformer, d: NeuronDictionary, token: int, k: int = 10,
                      max_occurrences: int = 6) -> tuple[list[tuple[int, int, float]], int]:
    """(layer, neuron, mean coefficient) of the neurons that fire most on `token`, averaged
    over its occurrences in the corpus (each run with its preceding context), and how many
    occurrences that was. A token the corpus lacks is run on its own (0 occurrences)."""
    where = np.flatnonzero(d.ids == token)[:max_occurrences]
    coeffs = []
    for position in where.tolist():
        ids, at = d.context(int(position), before=24, after=0)
        coeffs.append(model.trace(torch.tensor(ids), all_logits=False).coeffs[:, at])
    if not coeffs:
        coeffs.append(model.trace(torch.tensor([token]), all_logits=False).coeffs[:, 0])
    mean = torch.stack(coeffs).mean(0)  # (L, F)
    vals, flat = mean.flatten().topk(k)
    F = mean.shape[1]
    return [(int(i) // F, int(i) % F, float(v)) for v, i in zip(vals, flat)], len(where)
