"""The one SmolLM2 model of this server process, shared by every session."""
from __future__ import annotations

import threading

import streamlit as st

from components.shared import url_state
from components.shared.params import Param
from components.shared.server_tuning import trim_heap
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
        with st.spinner("Loading SmolLM2-135M: the first start reads the GGUF file (about 5 s), "
                        "later starts use a cache (under 1 s)…"):
            return _load()
    except ModelUnavailable as err:
        st.error(f"The trained model is unavailable, so this page cannot run. {err}", icon=":material/error:")
        st.info("Every other page of FFN Lab works without it.")
        return None


def require_model(page: str, params: list[Param]) -> LoadedModel:
    """The opening of every real-model page after its header: the model, with the page's URL
    state restored; without a model the page stops under the explanation get_model gave."""
    lm = get_model()
    if lm is None:
        st.stop()
    url_state.restore(page, params)
    return lm
