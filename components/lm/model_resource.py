"""The trained model of this server process, shared by every session, and the opening every
real-model page shares: load it (or explain why not), say what it is, restore the URL state with
control ranges taken from the model."""
from __future__ import annotations

import threading
from typing import Callable, Sequence

import streamlit as st

from components.shared import url_state
from components.shared.params import Param
from components.shared.server_tuning import trim_heap
from model.architectures.config import ModelConfig
from model.ffn.activations import get as get_activation
from model.ffn.activations import glu_name
from model.lm import gguf_loader
from model.lm.gguf_loader import LoadedModel, ModelUnavailable

# One forward pass at a time: each already uses both cores (torch's intra-op threads), and
# concurrent ones from several sessions only oversubscribe them and spin. Under load,
# requests queue here in order instead, which keeps the p95 latency of a class far lower.
MODEL_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _load() -> LoadedModel:
    # cache_resource runs this once per process, other sessions wait for it; a failure
    # is not cached, so fixing the install and reloading the page retries.
    lm = gguf_loader.load()
    trim_heap()  # the tokenizer's JSON parse or the GGUF reader's scratch memory
    return lm


def get_model() -> LoadedModel | None:
    """The loaded model, or None after telling the user what is wrong and how to fix it."""
    try:
        with st.spinner("Loading the trained model: the first start reads the GGUF file (about 5 s), "
                        "later starts use a cache (under 1 s)…"):
            return _load()
    except ModelUnavailable as err:
        st.error(f"The trained model is unavailable, so this page cannot run. {err}", icon=":material/error:")
        st.info("Every other page of FFN Lab works without it.")
        return None


def model_facts(cfg: ModelConfig) -> str:
    """One line a class can read: what the model is and the shape of its FFNs."""
    # Gemma's GeGLU uses GELU's tanh approximation; it is still called GeGLU
    gate = "gelu" if cfg.activation == "gelu_tanh" else cfg.activation
    ffn = glu_name(gate) if cfg.ffn_kind == "gated" else f"dense {get_activation(cfg.activation).label}"
    return (f"{cfg.name}: {cfg.n_layers} layers, each with a {ffn} FFN of {cfg.d_ff:,} neurons "
            f"({cfg.n_layers * cfg.d_ff:,} in all), d_model {cfg.d_model}, a vocabulary of {cfg.vocab_size:,} tokens; "
            "run by FFN Lab's own PyTorch forward pass.")


def require_model(page: str, params: Sequence[Param] | Callable[[ModelConfig], Sequence[Param]]
                  ) -> tuple[LoadedModel, Sequence[Param]]:
    """The opening of every real-model page after its header: the model and what it is, with the
    page's URL state restored (`params` may be built from the model's config, so that layer and
    neuron ranges fit the model); without a model the page stops under the explanation."""
    lm = get_model()
    if lm is None:
        st.stop()
    st.caption(model_facts(lm.config))
    params = params(lm.config) if callable(params) else params
    url_state.restore(page, params)
    return lm, params
