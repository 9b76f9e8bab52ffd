"""Cached computations and figures for the concept pages."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from components.concepts import figures as cf
from model.demos import collapse, mixing, moe_routing, positionwise, width_search, xor
from model.ffn.activations import GLU_VARIANTS, get
from model.ffn.layers import GatedFeedForward
from model.util import seeded


@st.cache_resource(max_entries=64, show_spinner=False)
def mixing_view(weights: tuple[float, ...]):
    names = list(mixing.TOY_VALUES)
    values = np.array([mixing.TOY_VALUES[n] for n in names])
    w = mixing.normalise(np.array(weights))
    out = mixing.mix(values, w)
    hull = mixing.convex_hull(values)
    return w, out, mixing.inside_hull(out, hull), cf.mixing(names, values, w, out, hull)


@st.cache_resource(max_entries=64, show_spinner=False)
def xor_view(dataset: str, hidden: int, activation: str, lr: float, steps: int, seed: int):
    r = xor.train(dataset, hidden, activation, lr, steps, seed)
    title = f"{dataset}: {r.accuracy:.0%} of points right after {steps} steps"
    return r, cf.decision_boundary(r.grid, r.prob, r.x, r.y, title), cf.loss_curve(r.losses)


@st.cache_resource(max_entries=16, show_spinner=False)
def width_search_view(activation: str) -> dict[str, width_search.WidthSearch]:
    """The smallest width per dataset: seconds once per activation, then shared by every session."""
    return {name: width_search.smallest_width(name, activation) for name in xor.DATASETS}


@st.cache_resource(max_entries=64, show_spinner=False)
def collapse_view(d_model: int, d_ff: int, activation: str):
    return collapse.collapse(d_model, d_ff, activation)


@st.cache_resource(max_entries=64, show_spinner=False)
def positionwise_view(seq: int, changed: int, causal: bool, change_seed: int):
    r = positionwise.compare(seq=seq, changed=changed, causal=causal, change_seed=change_seed)
    return (r, cf.change_per_position(r.ffn_change, r.attn_change, changed),
            cf.change_after_attention(r.ffn_change, r.after_attn_change, changed))


@st.cache_resource(max_entries=32, show_spinner=False)
def gating_view(glu: str, d_model: int, n_neurons: int, seed: int):
    """One random token through a random gated FFN: gate, act(gate), up and product per neuron."""
    act = GLU_VARIANTS[glu]
    g = seeded.generator(seed)
    ffn = seeded.build(lambda: GatedFeedForward(d_model, max(n_neurons, 8), act), g)
    with torch.no_grad():
        t = ffn.trace(torch.randn(d_model, generator=g))
    n = list(range(n_neurons))
    gate, up, prod = t.gate[:n_neurons].numpy(), t.up[:n_neurons].numpy(), t.hidden[:n_neurons].numpy()
    act_gate = get(act).fn(t.gate[:n_neurons]).numpy()
    return cf.gate_up_product(n, gate, act_gate, up, prod, get(act).label)


@st.cache_resource(max_entries=32, show_spinner=False)
def moe_view(sentence: str, n_experts: int, top_k: int):
    r = moe_routing.route(sentence, n_experts, top_k)
    return r, cf.routing_heatmap(r.tokens, r.probs, r.chosen), cf.expert_load(r.load)
