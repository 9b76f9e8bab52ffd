"""The opening every real-model page shares: pick a model (kept in the URL as `?model=`), load it
from the server's shelf (serving.load_model) or explain why not, say what it is, restore the URL
state with control ranges taken from the model.

Every cached view of a real-model page takes the model's registry key as its first argument, so
two models never share an entry."""
from __future__ import annotations

from typing import Callable, Sequence
from urllib.parse import urlencode

import streamlit as st

import serving
from components.shared import glossary, url_state
from components.shared.params import ChoiceParam, Param
from model.architectures.config import ModelConfig
from model.architectures.families import ffn_label
from model.lm import registry
from model.lm.gguf_loader import LoadedModel, ModelUnavailable
from model.util.settings import SettingError


def load_with_progress(key: str) -> LoadedModel:
    """The model under `key` from the server's shelf, with a spinner, and a progress bar while this
    session reads a GGUF file that has no cache yet. The script's turn is lent while it loads, so
    other sessions go on. Raises ModelUnavailable (or SettingError) saying why it cannot."""
    entry = registry.find(key, serving.offered()[0])
    label = entry.label if entry else key
    bar = []  # a progress bar, shown only while this session reads a GGUF file with no cache yet

    def progress(share: float, text: str) -> None:
        if not bar:
            bar.append(st.progress(0.0))
        bar[0].progress(share, text=f"A first load (later ones use a cache): {text}")

    try:
        with st.spinner(f"Loading {label}…"), serving.waiting():  # seconds for a big file: others go on
            return serving.load_model(key, progress)
    finally:
        if bar:
            bar[0].empty()


def get_model(key: str = registry.BUNDLED) -> LoadedModel | None:
    """The loaded model, or None after telling the user what is wrong and how to fix it."""
    try:
        return load_with_progress(key)
    except (ModelUnavailable, SettingError) as err:  # a bad $FFNLAB_MAX_MODEL_MB: named, not a traceback
        st.error(f"The trained model is unavailable, so this page cannot run. {err}", icon=":material/error:")
        st.info("Every other page of FFN Lab works without it.")
        return None


def model_facts(cfg: ModelConfig) -> str:
    """One line a class can read: what the model is and the shape of its FFNs."""
    return (f"{cfg.name}: {cfg.n_layers} layers, each with a {ffn_label(cfg)} FFN of {cfg.d_ff:,} neurons "
            f"({cfg.n_layers * cfg.d_ff:,} in all), d_model {cfg.d_model}, a vocabulary of {cfg.vocab_size:,} tokens; "
            "run by FFN Lab's own PyTorch forward pass.")


def model_picker(page: str) -> str:
    """The sidebar's model picker, kept in the URL as `?model=`: the key of the chosen model. With
    one model on offer it shows nothing; listed files the server could not use are named."""
    models, problems = serving.offered()
    param = ChoiceParam("model", registry.BUNDLED, options=[m.key for m in models])
    url_state.restore(page, [param])
    if len(models) > 1:
        labels = {m.key: m.label for m in models}
        st.sidebar.selectbox("Model", list(labels), format_func=labels.get, key=url_state.key(page, param),
                             help="The bundled model, or a GGUF file this server lists in $FFNLAB_MODELS.")
    for problem in problems:
        st.sidebar.caption(f"Not offered: {problem}")
    url_state.publish(page, [param])
    return url_state.value(page, "model")


def link(page: str, model_key: str, **params) -> str:
    """A relative link to another real-model page that stays on this model (`model=` is left out for
    the default model, so links to it stay short)."""
    extra = {} if model_key == registry.BUNDLED else {"model": model_key}
    return f"{page}?{urlencode({**params, **extra})}"


def require_model(page: str, params: Sequence[Param] | Callable[[ModelConfig], Sequence[Param]]
                  ) -> tuple[str, LoadedModel, Sequence[Param]]:
    """The opening of every real-model page after its header: the chosen model's key, the model and
    what it is, with the page's URL state restored (`params` may be built from the model's config, so
    that layer and neuron ranges fit the model); without a model the page stops under the explanation."""
    key = model_picker(page)
    lm = get_model(key)
    if lm is None:
        st.stop()
    glossary.plain_caption(model_facts(lm.config))  # the name comes from the file: no HTML
    params = params(lm.config) if callable(params) else params
    url_state.clamp(page, params)
    url_state.restore(page, params)
    return key, lm, params
