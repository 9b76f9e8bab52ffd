"""The guided tour's content: seven steps, one idea each, each embedding a live view
and linking to the full page with the right settings."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import streamlit as st

from components import cached, concept_views
from components.tables import table
from components.widgets import plot
from model.presets import PRESETS

DURATION, LEVEL, PREREQUISITE = "8–10 minutes", "intermediate", "multi-head attention"


@dataclass(frozen=True)
class Step:
    title: str
    idea: str  # the one sentence to remember
    text: str
    page: str  # full interactive page
    weights: str  # honest label of the embedded view: a key of widgets.WEIGHT_LABELS
    query: dict[str, str] = field(default_factory=dict)
    show: Callable[[], None] | None = None  # the embedded live view


def _block() -> None:
    walk = cached.shape_walk(PRESETS["gpt2-small"], batch=1, seq=8)
    table({"after": [s for s, _ in walk], "shape": [str(shape) for _, shape in walk]})


def _mixing() -> None:
    plot(concept_views.mixing_view((0.6, 0.3, 0.1, 0.0))[3])


def _xor() -> None:
    left, right = st.columns(2)
    for col, act, name in ((left, "none", "no activation"), (right, "relu", "ReLU")):
        with col:
            result, boundary, _ = concept_views.xor_view("xor", 8, act, 0.05, 300, 0)
            st.markdown(f"**{name}: {result.accuracy:.0%}**")
            plot(boundary)


def _activations() -> None:
    plot(cached.curves_figure(("relu", "gelu", "silu"), 4.0, False))


def _budget() -> None:
    b, _, _, _, (block_pie, model_pie, _) = cached.budget_view(PRESETS["gpt2-small"], 1024)
    left, right = st.columns(2)
    with left:
        plot(block_pie)
    with right:
        st.metric("FFN share of GPT-2 small's non-embedding parameters", f"{b.ffn_share_non_embedding:.1%}")


def _gating() -> None:
    plot(concept_views.gating_view("swiglu", 64, 8, 0))


def _memory() -> None:
    from components import kv_views
    from components.model_resource import get_model

    if get_model() is None:
        return
    text = "The capital of France is"
    a = kv_views.analysis(text)
    preds, labels, figure = kv_views.predictions(text, len(a.enc.ids) - 1)
    rows, promoted, parts, attribution = kv_views.attribution(text, len(a.enc.ids) - 1, preds[0][0], k=10)
    st.markdown(f"SmolLM2 predicts **{labels[0]!r}** ({preds[0][1]:.0%}). Of its logit {parts.total:.1f}, the FFNs "
                f"wrote {parts.ffn:+.1f}, attention {parts.attention:+.1f}. The neurons that wrote most:")
    plot(attribution)


STEPS: tuple[Step, ...] = (
    Step("Where the FFN sits", "Every block is attention, then an FFN, each wrapped in a residual connection.",
         "You know attention: each token looks at the others and gathers information. Right after it, every "
         "block runs a feed-forward network on each token. Here are the shapes through one GPT-2 block: "
         "the FFN widens each token from 768 to 3,072 numbers and back.", "block", "random", {"d_model": "768", "d_ff": "3072",
                                                                                 "n_heads": "12", "activation": "gelu_tanh"}, _block),
    Step("Attention only averages", "A softmax-weighted sum stays inside the hull of the value vectors.",
         "Attention's output is a weighted average of value vectors, with weights that are positive and sum to one. "
         "Move the weights on the full page: the output never leaves the shaded region. Averaging mixes what "
         "tokens carry; it cannot compute a new feature from it.", "why_ffn", "illustrative", {}, _mixing),
    Step("Non-linearity is the point", "Without an activation, two layers are one matrix and XOR is impossible.",
         "A tiny FFN trained on XOR: on the left with no activation (a straight boundary, stuck at 75% or below), on "
         "the right with ReLU (100%). The activation between the two matrices is what lets the network carve the "
         "input space.", "why_ffn", "random", {"activation": "none"}, _xor),
    Step("The activation functions", "ReLU, GELU and SiLU differ only near zero, but that shapes training.",
         "ReLU switches neurons fully off; GELU and SiLU let small negative values through and are smooth, which "
         "gives useful gradients everywhere.", "activations", "illustrative", {"derivative": "true"}, _activations),
    Step("Where the parameters are", "The FFN holds about two thirds of a Transformer's non-embedding parameters.",
         "With d_ff = 4·d_model the FFN has 8·d² weights per block against attention's 4·d². Most of what a "
         "model stores, it stores here.", "budget", "analytic", {"preset": "gpt2-small"}, _budget),
    Step("Gated FFNs", "SwiGLU multiplies two projections; with d_ff ≈ 8/3·d_model it costs the same.",
         "Modern models (LLaMA, Mistral, SmolLM2) gate: silu(gate·x) decides how much of up·x each neuron passes. "
         "Coefficients can be negative, so a neuron can subtract as well as add.", "gating", "random", {}, _gating),
    Step("A memory in a real model", "Each neuron is a key (what it detects) and a value (what it writes).",
         "In a trained model, FFN neurons act as key-value memories: here are the neurons of SmolLM2-135M that "
         "wrote ' Paris' after 'The capital of France is'. Open the full page to try your own text, switch "
         "neurons off, and see Mixture of Experts scale the idea up.", "kv_memory", "trained", {"view": "attribution"}, _memory),
)
