"""Cached views of the concept-neuron search and the gallery; each takes the model's registry key first."""
from __future__ import annotations

import streamlit as st

from components.lm import kv_views
from content import meanings
from content.gallery import GalleryNeuron
from model.lm import attribution as at
from model.lm import concepts, registry
from serving import forward_pass
from serving import load_model as _load

TTL = 1800


@st.cache_resource(show_spinner="Reading every neuron's value vector against the vocabulary (once per server)…")
def readout_stats(model_key: str) -> concepts.ReadoutStats:
    return concepts.readout_stats(_load(model_key).model)


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def search(model_key: str, words: tuple[str, ...], k: int = 12):
    """(hits, the words kept, the words left out because they are not one token)."""
    lm = _load(model_key)
    ids, kept, dropped = concepts.concept_tokens(lm.tokenizer, words)
    return concepts.search(lm.model, readout_stats(model_key), ids, k), kept, dropped


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def switch_off_effect(model_key: str, sentence: str, token: str,
                      neurons: tuple[tuple[int, int], ...]) -> tuple[float, float, float]:
    """p(token) after `sentence` before and after switching `neurons` off, and the coefficient
    of the first neuron at the last position."""
    lm = _load(model_key)
    ids = lm.tokenizer.encode(sentence).ids
    token_id = lm.tokenizer.encode(token, add_special_tokens=False).ids[0]
    with forward_pass():
        _, _, p0, p1 = at.ablate(lm.model, ids, len(ids) - 1, at.Target(token_id), list(neurons))
    layer, neuron = neurons[0]
    m = float(kv_views.analysis(model_key, sentence).trace.coeffs[layer, len(ids) - 1, neuron])
    return p0, p1, m


def gallery_evidence(entry: GalleryNeuron):
    """Its readout (top tokens with the sign it promotes its concept with), its place in the
    concept search, and the effect of switching it off on its sentence. Gallery neurons are the
    bundled model's."""
    hits, _, _ = search(registry.BUNDLED, tuple(concepts.CONCEPTS[entry.concept]), 30)
    hit = next((h for h in hits if (h.layer, h.neuron) == (entry.layer, entry.neuron)), None)
    return hit, switch_off_effect(registry.BUNDLED, entry.sentence, entry.token, ((entry.layer, entry.neuron),))


def conclusion(model_key: str) -> str:
    """The concept page's one-sentence conclusion (content/meanings.py): how many of the neurons the
    months search lists first rank every month in their top 1% (not where they sit: a prediction asks)."""
    hits, kept, _ = search(model_key, tuple(concepts.CONCEPTS["months"]))
    full = sum(h.in_top == h.set_size for h in hits)
    if not hits or not full:
        return meanings.CONCLUSIONS["concept_neurons_none"]
    return meanings.CONCLUSIONS["concept_neurons"].format(full=full, k=len(hits), size=len(kept))
