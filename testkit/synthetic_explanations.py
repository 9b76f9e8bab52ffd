"""A small `Explanations` made directly from arrays, every field filled with consistent values, so
that what reads explanations (words, search, scores, pages) is tested without running the build.

Lines cycle through all eleven families; each names one or two groups valid for its family, with a
typical value of its own sign. Coverage, correlations and baselines are seeded random draws in range.
"""
from __future__ import annotations

import numpy as np

from model.lm import explain_groups as eg
from model.lm import explanations as ex
from model.lm import token_classes

NAMES = ("giving", "gave", "give", "region, area, part", "location")
PAIRS = ((0, 1), (2, 3))


def synthetic(L: int = 2, F: int = 6, vocab_size: int = 50, n_corpus: int = 400, n_docs: int = 10,
              sources: tuple[str, ...] = ("encyclopaedic", "dialogue"), names: tuple[str, ...] = NAMES,
              pairs: tuple[tuple[int, int], ...] = PAIRS, fingerprint: str = "synthetic", seed: int = 0
              ) -> ex.Explanations:
    rng = np.random.default_rng(seed)
    G, K, bands = ex.MAX_GROUPS, ex.SHOWN, len(ex.QUANTILE_BANDS)
    sizes = {eg.TOKEN: vocab_size, eg.PREVIOUS_TOKEN: vocab_size, eg.KIND: token_classes.NONE,
             eg.PREVIOUS_KIND: token_classes.NONE, eg.POSITION: len(eg.POSITION_EDGES) + 1, eg.SOURCE: len(sources),
             eg.WORD: len(names), eg.LEMMA: len(names), eg.SYNSET: len(names), eg.CATEGORY: len(names),
             eg.PAIR: len(pairs)}
    family = (np.arange(2 * L * F) % eg.N_FAMILIES).reshape(2, L, F).astype(np.uint8)
    groups = np.full((2, L, F, G), -1, dtype=np.int32)
    for index in np.ndindex(2, L, F):
        size = sizes[int(family[index])]
        groups[index][:min(size, 1 + index[2] % 2)] = rng.choice(size, size=min(size, 1 + index[2] % 2), replace=False)
    sign = np.array(ex.SIGNS, dtype=np.float32)[:, None, None]
    peak = (rng.uniform(1.0, 4.0, (2, L, F)) * sign).astype(np.float32)
    base = (rng.uniform(0.0, 0.05, (2, L, F)) * sign).astype(np.float32)
    values = np.where(groups >= 0, peak[..., None] * rng.uniform(0.05, 0.8, (2, L, F, G)), 0).astype(np.float32)
    held_out_positions = rng.integers(0, n_corpus, (2, L, F, K)).astype(np.int32)
    held_out_positions[..., K - 2:] = np.where(rng.random((2, L, F, 2)) < 0.3, -1, held_out_positions[..., K - 2:])
    covers_held_out = (rng.random((2, L, F, K)) < 0.5) & (held_out_positions >= 0)
    corr = lambda *shape: rng.uniform(-0.05, 0.9, shape).astype(np.float16)  # noqa: E731
    S = 40
    doc_starts = np.linspace(0, n_corpus, n_docs, endpoint=False).astype(np.int64)
    held = np.zeros(n_docs, dtype=bool)
    held[::5] = True
    return ex.Explanations(
        family=family, groups=groups, values=values, base=base, peak=peak, train_corr=corr(2, L, F),
        tokens=rng.integers(0, vocab_size, (2, L, F, 3)).astype(np.int32),
        writes=rng.integers(0, vocab_size, (2, L, F, ex.WRITES)).astype(np.int32),
        covers=rng.random((2, L, F, K)) < 0.5, covers_held_out=covers_held_out, held_out_positions=held_out_positions,
        corr=corr(2, L, F), corr_top_random=corr(2, L, F), corr_both=corr(L, F),
        shuffled_corr=corr(2, L, F) / 8, shuffled_corr_top_random=corr(2, L, F) / 4,
        lookup_corr=corr(2, L, F), lookup_corr_top_random=corr(2, L, F),
        random_init_corr=corr(2, L, F) / 2, random_init_corr_top_random=corr(2, L, F) / 2,
        random_init_covers_held_out=rng.random((2, L, F, K)) < 0.2,
        random_init_family=rng.integers(0, eg.N_FAMILIES, (2, L, F)).astype(np.uint8),
        names=np.array(names, dtype=str), pairs=np.array(pairs, dtype=np.int32).reshape(-1, 2),
        sample_positions=np.sort(rng.choice(n_corpus, S, replace=False)).astype(np.int64),
        example_index=rng.integers(0, S, (L, F, bands, ex.PER_BAND)).astype(np.uint16),
        example_values=rng.normal(0, 1, (L, F, bands, ex.PER_BAND)).astype(np.float16),
        held_out=held, duplicate=np.zeros(n_docs, dtype=bool),
        n_train=np.array(n_corpus * 4 // 5), n_held_out=np.array(n_corpus // 5),
        n_random_init=np.array([n_corpus // 5, n_corpus // 20]), dictionary=np.array(fingerprint),
        sources=np.array(sources, dtype=str))
