"""Cached views of the anatomy page: the super weight, massive activations and kinds of neurons.

Every intervention runs on a view of the model (model/lm/interventions.py), inside an exclusive
forward pass, so the model other sessions use is never changed. Each view takes the model's
registry key first.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from components.lm import dictionary_views, kv_views
from content import meanings
from model.lm import build_dictionary, massive, neuron_kinds, super_weight
from model.lm.interventions import TextScores, edited, greedy, score_texts
from serving import forward_pass, waiting
from serving import load_model as _load

TTL = 1800
FALLBACK_TEXTS = (  # when no dictionary (and so no corpus) is there yet
    "The river runs through the old town, past the market and the church, and on to the sea.",
    "She opened the letter, read it twice, and put it back in the drawer without a word.",
    "In 1969 two astronauts walked on the Moon while a third orbited above them.",
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))",
)


def held_out_texts(model_key: str) -> tuple[list[list[int]], str]:
    """The texts perplexity and ablations are measured on, and where they come from."""
    lm = _load(model_key)
    d = dictionary_views.builtin_dictionary(lm)
    if d is None:
        return [lm.tokenizer.encode(t).ids for t in FALLBACK_TEXTS], f"{len(FALLBACK_TEXTS)} example sentences"
    texts = neuron_kinds.held_out(d.ids, d.doc_starts)
    return texts, f"{len(texts)} documents of the dictionary's corpus ({sum(map(len, texts)):,} tokens)"


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def spikes(model_key: str, text: str) -> tuple[super_weight.Spikes, super_weight.Candidate | None]:
    """down_proj's spikes on the text (from the text's analysis, shared with the key-value page)."""
    a = kv_views.analysis(model_key, text)
    model = _load(model_key).model
    s = super_weight.down_proj_spikes(model, a.trace)
    return s, super_weight.candidate(model, s)


@dataclass(frozen=True)
class Study:
    base: TextScores
    rows: list[super_weight.Zeroed]
    continuation: tuple[list[int], list[int]]  # greedy tokens after the text: as it is, super weight zeroed


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def zeroing(model_key: str, text: str, texts: tuple[tuple[int, ...], ...]) -> Study:
    lm = _load(model_key)
    _, cand = spikes(model_key, text)
    ids = kv_views.analysis(model_key, text).enc.ids
    lists = [list(t) for t in texts]
    with waiting(), forward_pass():
        base, rows = super_weight.zeroing_study(lm.model, lists, cand, k=2)
        cont = (greedy(lm.model, ids, 8), greedy(edited(lm.model, [cand.weight]), ids, 8))
    return Study(base, rows, cont)


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def massive_found(model_key: str, text: str) -> list[massive.Massive]:
    return massive.find(kv_views.analysis(model_key, text).trace)


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def massive_effects(model_key: str, text: str, texts: tuple[tuple[int, ...], ...], k: int = 3):
    """The top-k next tokens after the text as it is, with the massive values set to zero and
    set to their mean over the texts; and those means."""
    lm = _load(model_key)
    found = massive_found(model_key, text)[:k]
    ids = kv_views.analysis(model_key, text).enc.ids
    usable = [list(t) for t in texts if len(t) > max(m.position for m in found)]
    with waiting(), forward_pass():
        means = massive.mean_values(lm.model, usable, found)
        return means, {label: massive.prediction(lm.model, ids, found, values)
                       for label, values in (("as computed", None), ("set to zero", [0.0] * len(found)),
                                             ("set to their mean", means))}


class _HeldStats:
    """One model's weight statistics, held once per server: loaded at first use when they ship or
    were cached earlier, else computed when the anatomy page asks for them."""

    def __init__(self, stats: neuron_kinds.WeightStats | None):
        self.stats = stats
        self.lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _held_stats(model_key: str) -> _HeldStats:
    lm = _load(model_key)
    return _HeldStats(neuron_kinds.load_saved(lm.model, lm.source, build_dictionary.SHIPPED))


def weight_stats(model_key: str, compute: bool = True) -> neuron_kinds.WeightStats | None:
    """Every neuron's weight statistics: shipped for the bundled model, otherwise computed once per
    machine (a progress bar) and cached; None while the model's dictionary is still being built.
    With `compute=False` (a neuron card) only statistics already at hand: never the computation."""
    held = _held_stats(model_key)
    if held.stats is not None or not compute:
        return held.stats
    lm = _load(model_key)
    d = dictionary_views.builtin_dictionary(lm)
    if d is None:
        return None
    with waiting():  # another session may be computing them
        held.lock.acquire()
    try:
        if held.stats is None:
            bar = st.progress(0.0, text="Reading every neuron's value vector against the vocabulary (once per machine)…")
            with waiting(), forward_pass():
                held.stats = neuron_kinds.load_or_build(
                    lm.model, lm.source, d.ids, build_dictionary.SHIPPED,
                    progress=lambda i, n: bar.progress(i / n, text=f"layer {i} of {n}"))
            bar.empty()
    finally:
        held.lock.release()
    return held.stats


def kind_masks(model_key: str, compute: bool = True) -> dict[str, np.ndarray] | None:
    """Each kind's (L, d_ff) mask by the page's rules, from the weight statistics and the dictionary's
    extremes; None while either is not at hand (`compute` as for weight_stats)."""
    d = dictionary_views.builtin_dictionary(_load(model_key))
    stats = None if d is None else weight_stats(model_key, compute)
    return None if stats is None else _masks(model_key, d.fingerprint, stats)


@st.cache_resource(max_entries=4, show_spinner=False)
def _masks(model_key: str, fingerprint: str, _stats: neuron_kinds.WeightStats) -> dict[str, np.ndarray]:
    d = dictionary_views.builtin_dictionary(_load(model_key))
    return neuron_kinds.kinds(_stats, np.maximum(np.abs(d.peak), np.abs(d.trough)))


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def ablation_check(model_key: str, kind: str, texts: tuple[tuple[int, ...], ...], k: int = 3, seed: int = 0
                   ) -> list[tuple[str, neuron_kinds.Ablation]]:
    """Mean ablation of the kind's k clearest members and of k random neurons of the same layers."""
    lm = _load(model_key)
    d = dictionary_views.builtin_dictionary(lm)
    stats, masks = weight_stats(model_key), kind_masks(model_key)
    members = neuron_kinds.top_of_kind(stats, masks, kind, k)
    g = torch.Generator().manual_seed(seed)
    randoms = [(layer, int(torch.randint(lm.config.d_ff, (1,), generator=g))) for layer, _ in members]
    lists = [list(t) for t in texts]
    logu = neuron_kinds.token_log_frequency(d.ids, lm.config.vocab_size)
    with waiting(), forward_pass():
        base = score_texts(lm.model, lists, logu)
        return [(label, neuron_kinds.mean_ablation(lm.model, lists, base, logu, layer, n, float(d.mean[layer, n])))
                for label, group in ((kind, members), ("random, same layer", randoms)) for layer, n in group]


def kind_line(model_key: str, layer: int, neuron: int) -> str | None:
    """What kind the neuron is (the anatomy page's rules), when the statistics are at hand: a card
    never starts their two-minute computation."""
    masks = kind_masks(model_key, compute=False)
    if masks is None:
        return None
    return neuron_kinds.describe(weight_stats(model_key, compute=False), masks, layer, neuron)


def same_write(cand: super_weight.Candidate | None, top: massive.Massive | None) -> bool:
    """Whether the super weight candidate writes the largest massive activation: its output row is the
    massive dimension, and its layer is the one after which the value is first massive."""
    return (cand is not None and top is not None and cand.weight.row == top.dim
            and cand.weight.layer == top.first_layer)


def conclusion(cand: super_weight.Candidate | None, found: list[massive.Massive]) -> str:
    """The page's one-sentence conclusion on this text (content/meanings.py), from its own results."""
    top = found[0] if found else None
    if cand is None or top is None:
        return meanings.CONCLUSIONS["anatomy_none"]
    w = cand.weight
    key = "anatomy" if same_write(cand, top) else "anatomy_apart"
    return meanings.CONCLUSIONS[key].format(layer=w.layer, row=w.row, col=w.col, dim=top.dim)


def massive_meaning(cand: super_weight.Candidate | None, top: massive.Massive,
                    writers: list[massive.Writer] = ()) -> str | None:
    """What the massive activation is, set against the super weight found above (None without one),
    with how much of the value the super weight's neuron wrote (from `writers`, massive.writers')."""
    if cand is None:
        return None
    w = cand.weight
    part = next((x.part for x in writers if (x.layer, x.neuron) == (w.layer, w.col)), None)
    if not same_write(cand, top):
        return meanings.VIEWS["massive_apart"].format(row=w.row, dim=top.dim)
    if part is None:  # its neuron is not among the top writers given
        return meanings.VIEWS["massive_same_plain"].format(layer=w.layer, row=w.row, col=w.col, dim=top.dim)
    return meanings.VIEWS["massive_same"].format(layer=w.layer, row=w.row, col=w.col, dim=top.dim,
                                                 part=f"{part:+,.0f}", value=f"{top.value:+,.0f}",
                                                 share=f"{part / top.value:.0%}")
