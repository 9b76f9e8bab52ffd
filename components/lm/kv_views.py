"""Cached computations behind the key-value memory page.

Traces are shared read-only between sessions with `st.cache_resource`; entries
are few and expire, because one 256-token trace holds ~140 MB of coefficients.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from components.lm import kv_figures
from components.lm.model_resource import MODEL_LOCK, _load
from model.architectures.transformer import ModelTrace
from model.lm import kv_memory as kv

TTL = 1800


@dataclass(frozen=True)
class Analysis:
    enc: kv.Encoded
    trace: ModelTrace


@st.cache_resource(max_entries=6, ttl=TTL, show_spinner=False)
def analysis(text: str) -> Analysis:
    lm = _load()
    enc = kv.encode(lm.tokenizer, text)
    with MODEL_LOCK:
        return Analysis(enc, kv.run(lm.model, enc.ids))


def token_labels(token_ids: list[int]) -> list[str]:
    tok = _load().tokenizer
    return [kv.token_text(tok, i) for i in token_ids]


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def predictions(text: str, position: int, k: int = 10):
    """Top-k next tokens after `position`: (ids and probabilities, their texts, a bar chart)."""
    a = analysis(text)
    preds = kv.top_k(kv.next_token_probs(_load().model, a.trace, position), k)
    labels = token_labels([i for i, _ in preds])
    return preds, labels, kv_figures.predictions_bar(labels, [p for _, p in preds], f"Top {k} next tokens")


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def keys_heatmap(text: str, layer: int, k: int = 20):
    a = analysis(text)
    neurons = kv.most_active_neurons(a.trace, layer, k)
    coeffs = a.trace.coeffs[layer][:, neurons].T.numpy()
    return neurons, kv_figures.neuron_heatmap(coeffs, neurons, a.enc.pieces, layer)


@st.cache_resource(max_entries=64, ttl=TTL, show_spinner=False)
def value_reading(layer: int, neuron: int, sign: float, k: int = 10):
    r = kv.read_value(_load().model, layer, neuron, sign, k)
    return token_labels([i for i, _ in r.promoted]), token_labels([i for i, _ in r.suppressed]), r


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def attribution(text: str, position: int, token: int, k: int = 20):
    """Top-k neurons by direct contribution to `token`'s logit, with the logit's parts."""
    model, a = _load().model, analysis(text)
    contrib = kv.neuron_attribution(model, a.trace, position, token)
    values, flat = contrib.flatten().topk(k)
    d_ff = contrib.shape[1]
    rows = [(int(i) // d_ff, int(i) % d_ff, float(v), float(a.trace.coeffs[int(i) // d_ff, position, int(i) % d_ff]))
            for v, i in zip(values, flat)]
    # promoted tokens of all k value vectors in one matrix product
    vectors = torch.stack([kv.value_vector(model, layer, n) * np.sign(m) for layer, n, _, m in rows])
    promoted = kv.vocab_projection(model, vectors).topk(5, dim=-1).indices.tolist()
    labels = [f"L{layer} n{n}" for layer, n, _, _ in rows]
    figure = kv_figures.attribution_bar(labels, [v for _, _, v, _ in rows],
                                        f"Neurons that wrote {kv.token_text(_load().tokenizer, token)!r}")
    return rows, [token_labels(p) for p in promoted], kv.logit_parts(model, a.trace, position, token), figure


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def intervene(text: str, position: int, neurons: tuple[tuple[int, int], ...], factor: float,
              layers_off: tuple[int, ...], k: int = 10):
    model, a = _load().model, analysis(text)
    scales = kv.switch_off(list(neurons), model.cfg.d_ff, factor, layers_off)
    with MODEL_LOCK:
        after_trace = kv.run(model, a.enc.ids, scales)
    before = kv.next_token_probs(model, a.trace, position)
    after = kv.next_token_probs(model, after_trace, position)
    ids = list(dict.fromkeys([i for i, _ in kv.top_k(before, k)] + [i for i, _ in kv.top_k(after, k)]))
    figure = kv_figures.before_after(token_labels(ids), before[ids].tolist(), after[ids].tolist())
    return figure, kv.top_k(before, 1)[0], kv.top_k(after, 1)[0]


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def division_of_labour(text: str):
    model, a = _load().model, analysis(text)
    attn, ffn = kv.update_norms(a.trace)
    off = kv.all_ffn_off(model.cfg.n_layers, model.cfg.d_ff)
    with MODEL_LOCK:
        no_ffn = kv.run(model, a.enc.ids, off)
        losses = kv.text_loss(model, a.enc.ids), kv.text_loss(model, a.enc.ids, off)
    last = len(a.enc.ids) - 1
    return (kv_figures.update_norms(attn.numpy(), ffn.numpy()), *losses,
            kv.top_k(kv.next_token_probs(model, no_ffn, last), 5))


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def two_contexts(text_a: str, text_b: str, word: str, k: int = 15):
    a, b = analysis(text_a), analysis(text_b)
    pa, pb = kv.find_token(a.enc.pieces, word), kv.find_token(b.enc.pieces, word)
    if pa is None or pb is None:
        return None
    return kv.context_difference(a.trace, pa, b.trace, pb, k)
