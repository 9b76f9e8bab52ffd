"""The groups a neuron's line can name, at every corpus position.

A line names up to a few groups of one family: tokens ("' omelet'"), the token before, whole words
rebuilt from their pieces ("giving"), forms of one word (give, gave, gives), WordNet meanings and
their broader categories, a (previous token, token) pair, a kind of token, a position in the input
window or a kind of text. Every family gives each corpus position at most one group (-1: none), so
that a line's prediction at a position is one look-up per family.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.lm import token_classes, word_groups

# the families, in the order a tie is broken (the words a reader takes in fastest first)
(TOKEN, PREVIOUS_TOKEN, KIND, PREVIOUS_KIND, POSITION, SOURCE,
 WORD, LEMMA, SYNSET, CATEGORY, PAIR) = range(11)
FAMILY_NAMES = ("token", "previous token", "kind of token", "kind of previous token", "position", "kind of text",
                "whole word", "forms of a word", "meaning (WordNet)", "broader meaning (WordNet)",
                "previous token and token")
N_FAMILIES = len(FAMILY_NAMES)
PREFERENCE = (TOKEN, WORD, LEMMA, PREVIOUS_TOKEN, PAIR, SYNSET, CATEGORY, KIND, PREVIOUS_KIND, SOURCE, POSITION)
GROUPS_OF = {TOKEN: 5, PREVIOUS_TOKEN: 5, KIND: 2, PREVIOUS_KIND: 2, POSITION: 3, SOURCE: 2,
             WORD: 4, LEMMA: 3, SYNSET: 3, CATEGORY: 2, PAIR: 3}  # a line stays one table cell long
NAMED_BY_TABLE = (WORD, LEMMA, SYNSET, CATEGORY)  # groups are indices into `PositionGroups.names`
FLAGGED = (POSITION, SOURCE)  # lines that say where a token is, not what it is: flagged on the page
POSITION_EDGES = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # position buckets: 0, 1, 2–3, 4–7, ...


def position_bucket(positions: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(POSITION_EDGES), positions, side="right")


def bucket_label(bucket: int) -> str:
    lo = 0 if bucket == 0 else POSITION_EDGES[bucket - 1]
    hi = POSITION_EDGES[bucket] - 1 if bucket < len(POSITION_EDGES) else None
    return f"position {lo}" if hi == lo else f"positions {lo}–{hi}" if hi is not None else f"positions {lo}+"


@dataclass(frozen=True)
class PositionGroups:
    at: np.ndarray  # (N_FAMILIES, N) int64: each family's group at every corpus position, -1 for none
    names: list[str]  # names of the WORD, LEMMA, SYNSET and CATEGORY groups
    pairs: np.ndarray  # (P, 2) int32: (previous token, token) of each PAIR group
    sizes: tuple[int, ...]  # groups per family (the largest id + 1)


def position_groups(ids: np.ndarray, doc_starts: np.ndarray, doc_sources: np.ndarray, windows: list[np.ndarray],
                    token_texts: list[str]) -> PositionGroups:
    """Every family's group at every corpus position. `windows` are the model's input windows (what
    the model saw together): the token before a window's first token was not in its input, so it
    names no previous token, kind or pair there, and positions count from each window's start."""
    n = len(ids)
    ids = ids.astype(np.int64)
    seen_before = np.zeros(n, dtype=bool)  # the position's previous token was in the same window
    in_window = np.zeros(n, dtype=np.int64)
    for w in windows:
        seen_before[w[1:]] = np.diff(w) == 1
        in_window[w] = np.arange(len(w))
    previous = np.where(seen_before, np.roll(ids, 1), -1)
    kinds = np.array(token_classes.kinds_of_vocabulary(token_texts), dtype=np.int64)
    kinds = np.where(kinds == token_classes.NONE, -1, kinds)  # "no kind" is not a group a line names
    ends = np.append(doc_starts[1:], n)
    source = np.repeat(doc_sources.astype(np.int64) if len(doc_sources) else np.zeros(len(ends), np.int64),
                       ends - doc_starts)
    words = word_groups.word_groups(ids, doc_starts, token_texts)
    pair = np.where(seen_before, words.pair, -1)
    at = np.stack([ids, previous, kinds[ids], np.where(previous >= 0, kinds[np.maximum(previous, 0)], -1),
                   position_bucket(in_window), source, words.word, words.lemma, words.synset, words.category, pair])
    sizes = tuple(int(a.max(initial=-1)) + 1 for a in at)
    return PositionGroups(at, list(words.names), np.asarray(words.pairs, dtype=np.int32), sizes)
