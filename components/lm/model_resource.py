"""The trained models of this server process, shared by every session, and the opening every
real-model page shares: pick a model (kept in the URL as `?model=`), load it (or explain why not),
say what it is, restore the URL state with control ranges taken from the model.

Every cached view of a real-model page takes the model's registry key as its first argument, so
two models never share an entry."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence
from urllib.parse import urlencode

import streamlit as st
import torch

from components.shared import url_state
from components.shared.params import ChoiceParam, Param
from components.shared.script_slots import SCRIPTS
from model.architectures.config import ModelConfig
from model.architectures.families import ffn_label
from model.lm import gguf_loader, registry
from serving.forward_slots import ForwardSlots
from model.lm.gguf_loader import LoadedModel, ModelUnavailable
from model.lm.kv_memory import MAX_TOKENS
from model.lm.shelf import Shelf
from serving.trace_worker import TraceWorker
from serving.heap import trim_heap
from serving.priority import BASE

# As many forward passes at once as the cores can run without oversubscribing them: servers run
# one torch thread (OMP_NUM_THREADS=1, see tests/conftest.py's SERVER_ENV), so two on two cores;
# with torch's default of a thread per core, one. More would only make them spin; under load,
# requests queue here in order instead, and new texts that queue together run as one batch
# of at most MAX_TOKENS padded tokens (see serving/forward_slots.py).
FORWARDS = ForwardSlots(max(1, (os.cpu_count() or 1) // torch.get_num_threads()), batch_budget=MAX_TOKENS)


@contextmanager
def forward_pass() -> Iterator[None]:
    """A slot for a forward pass that cannot batch (a gradient, an intervention). The page
    script's admission slot is lent meanwhile (components/shared/script_slots.py), so a long
    computation never holds up other sessions' scripts."""
    with SCRIPTS.lent(), FORWARDS:
        yield


@st.cache_resource(show_spinner=False)
def _trace_workers() -> dict[str, tuple[Path, TraceWorker]]:
    """Registry key -> (the cache file its worker maps, the worker)."""
    return {}


_WORKERS_LOCK = threading.Lock()


def trace_worker(key: str, lm: LoadedModel) -> TraceWorker | None:
    """The process computing this model's key-value traces (serving/trace_worker.py), started on
    the first call once the model's float32 cache is on disk (the worker maps that file, so the
    weights' memory is shared). None until it serves, if it cannot start, or with
    $FFNLAB_TRACE_WORKER=0: the caller then computes in this process."""
    if os.environ.get("FFNLAB_TRACE_WORKER", "1") == "0":
        return None
    try:
        cache = gguf_loader.cache_file(lm.source)  # names the file's size and time: its identity
    except OSError:  # the model file went away after it was loaded
        return None
    workers = _trace_workers()
    with _WORKERS_LOCK:
        for gone in set(workers) - set(shelf().keys()):  # its model was put away
            workers.pop(gone)[1].close()
        if key in workers and workers[key][0] != cache:  # the key now names another file
            workers.pop(key)[1].close()
        if key not in workers:
            if not cache.is_file():  # still being written, or no cache
                return None
            # started at the process's own priority, above the page scripts' (serving/priority.py)
            workers[key] = cache, BASE.submit(TraceWorker, lm.source, batch_budget=MAX_TOKENS).result()
        worker = workers[key][1]
    return worker if worker.ready else None


@st.cache_resource(show_spinner=False)
def offered() -> tuple[list[registry.ModelEntry], list[str]]:
    """The models this server offers and the problems with $FFNLAB_MODELS, read once per process."""
    return registry.entries()


def _read(key: str, progress: gguf_loader.Progress | None = None) -> LoadedModel:
    entry = registry.find(key, offered()[0])
    if entry is None:
        raise ModelUnavailable(f"This server offers no model {key!r}.")
    lm = gguf_loader.load(entry.path, progress=progress)
    trim_heap()  # the tokenizer's JSON parse or the GGUF reader's scratch memory
    return lm


@st.cache_resource(show_spinner=False)
def shelf() -> Shelf[LoadedModel]:
    """The models loaded in this process, shared by every session: as many as fit the memory cap
    together, the least recently used put away for a new one (see model/lm/shelf.py)."""
    return Shelf(gguf_loader.memory_cap_mb(), _read, lambda lm: lm.megabytes)


def _load(key: str = registry.BUNDLED, progress: gguf_loader.Progress | None = None) -> LoadedModel:
    # a failure is not kept, so fixing the install and reloading the page retries
    return shelf().get(key, progress=progress)


def get_model(key: str = registry.BUNDLED) -> LoadedModel | None:
    """The loaded model, or None after telling the user what is wrong and how to fix it."""
    entry = registry.find(key, offered()[0])
    label = entry.label if entry else key
    bar = []  # a progress bar, shown only while this session reads a GGUF file with no cache yet

    def progress(share: float, text: str) -> None:
        if not bar:
            bar.append(st.progress(0.0))
        bar[0].progress(share, text=f"A first load (later ones use a cache): {text}")

    try:
        with st.spinner(f"Loading {label}…"), SCRIPTS.lent():  # seconds for a big file: others go on
            return _load(key, progress)
    except ModelUnavailable as err:
        st.error(f"The trained model is unavailable, so this page cannot run. {err}", icon=":material/error:")
        st.info("Every other page of FFN Lab works without it.")
        return None
    finally:
        if bar:
            bar[0].empty()


def model_facts(cfg: ModelConfig) -> str:
    """One line a class can read: what the model is and the shape of its FFNs."""
    return (f"{cfg.name}: {cfg.n_layers} layers, each with a {ffn_label(cfg)} FFN of {cfg.d_ff:,} neurons "
            f"({cfg.n_layers * cfg.d_ff:,} in all), d_model {cfg.d_model}, a vocabulary of {cfg.vocab_size:,} tokens; "
            "run by FFN Lab's own PyTorch forward pass.")


def model_picker(page: str) -> str:
    """The sidebar's model picker, kept in the URL as `?model=`: the key of the chosen model. With
    one model on offer it shows nothing; listed files the server could not use are named."""
    models, problems = offered()
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
    st.caption(model_facts(lm.config))
    params = params(lm.config) if callable(params) else params
    url_state.clamp(page, params)
    url_state.restore(page, params)
    return key, lm, params
