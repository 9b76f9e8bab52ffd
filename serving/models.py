"""The trained models of this server process, shared by every session, and how their forward
passes share the CPU: new texts are traced in a worker process per model (serving/trace_worker.py),
passes that cannot batch take an exclusive slot (serving/forward_slots.py)."""
from __future__ import annotations

import os
import threading
from contextlib import ContextDecorator, ExitStack
from pathlib import Path

import streamlit as st
import torch

from model.architectures.transformer import ModelTrace
from model.lm import gguf_loader, registry
from model.lm import kv_memory as kv
from model.lm.gguf_loader import LoadedModel, ModelUnavailable
from model.lm.kv_memory import MAX_TOKENS
from model.util import settings
from serving import priority
from serving.forward_slots import ForwardSlots
from serving.heap import trim_heap
from serving.sessions import SCRIPTS
from serving.model_shelf import Shelf
from serving.trace_worker import TraceWorker, WorkerUnavailable

# As many forward passes at once as the cores can run without oversubscribing them: servers run
# one torch thread (OMP_NUM_THREADS=1, deploy/server.env), so two on two cores;
# with torch's default of a thread per core, one. More would only make them spin; under load,
# requests queue here in order instead, and new texts that queue together run as one batch
# of at most MAX_TOKENS padded tokens (see serving/forward_slots.py).
FORWARDS = ForwardSlots(max(1, (os.cpu_count() or 1) // torch.get_num_threads()), batch_budget=MAX_TOKENS)


class forward_pass(ContextDecorator):  # noqa: N801  (used like a function: `with forward_pass():`)
    """A slot for a pass that cannot batch (a gradient, an intervention, a dictionary build): a
    context manager, a decorator (`@forward_pass()`) or a lock to hand to model code that takes
    one around each pass. The page script's turn is lent meanwhile (serving/script_slots.py), so a
    long computation never holds up other sessions' scripts."""

    def __init__(self) -> None:
        self._local = threading.local()  # one instance may be entered by several threads

    def __enter__(self) -> "forward_pass":
        stack = ExitStack()
        stack.enter_context(SCRIPTS.lent())
        stack.enter_context(FORWARDS)
        self._local.__dict__.setdefault("stacks", []).append(stack)
        return self

    def __exit__(self, *exc) -> bool:
        return self._local.stacks.pop().__exit__(*exc)


@st.cache_resource(show_spinner=False)
def _trace_workers() -> dict[str, tuple[Path, TraceWorker]]:
    """Registry key -> (the cache file its worker maps, the worker)."""
    return {}


_WORKERS_LOCK = threading.Lock()


def trace_worker(key: str, lm: LoadedModel) -> TraceWorker | None:
    """The process computing this model's key-value traces (serving/trace_worker.py), started on
    the first call once the model's float32 cache is on disk (the worker maps that file, so the
    weights' memory is shared). A worker that served and then died or got stuck is replaced on
    the next call. None until it serves, if it cannot start, or with $FFNLAB_TRACE_WORKER=0: the
    caller then computes in this process."""
    if not settings.trace_worker():
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
        if key in workers and workers[key][1].lost:  # it died or got stuck: replace it
            workers.pop(key)[1].close()
        if key not in workers:
            if not cache.is_file():  # still being written, or no cache
                return None
            # started at the process's own priority, above the page scripts' (serving/priority.py)
            workers[key] = cache, priority.base().submit(TraceWorker, lm.source, batch_budget=MAX_TOKENS).result()
        worker = workers[key][1]
    return worker if worker.ready else None


def trace(model_key: str, lm: LoadedModel, ids: list[int]) -> ModelTrace:
    """The trace of one text (kv_memory.run) from the model's trace worker, or from this process
    while the worker starts or if it is gone; either way texts waiting together share one pass.
    The script's turn is lent while it waits."""
    with SCRIPTS.lent():
        worker = trace_worker(model_key, lm)
        if worker is not None:
            try:
                return worker.trace(ids)
            except WorkerUnavailable:
                pass  # it stopped: this process computes, as it did before the worker started
        return FORWARDS.run(model_key, ids, lambda batch: kv.run_many(lm.model, batch), size=len(ids))


@st.cache_resource(show_spinner=False)
def offered() -> tuple[list[registry.ModelEntry], list[str]]:
    """The models this server offers and the problems with $FFNLAB_MODELS, read once per process:
    a listed file FFN Lab cannot run is not offered, and its header says why (gguf_loader.why_not)."""
    models, problems = registry.entries(check=gguf_loader.why_not)
    return registry.with_packaged(models), problems


def _read(key: str, progress: gguf_loader.Progress | None = None) -> LoadedModel:
    entry = registry.find(key, offered()[0])
    if entry is None:
        raise ModelUnavailable(f"This server offers no model {key!r}.")
    lm = gguf_loader.load(entry.file(), progress=progress)
    trim_heap()  # the tokenizer's JSON parse or the GGUF reader's scratch memory
    return lm


@st.cache_resource(show_spinner=False)
def shelf() -> Shelf[LoadedModel]:
    """The models loaded in this process, shared by every session: as many as fit the memory cap
    together, the least recently used put away for a new one (see serving/model_shelf.py)."""
    return Shelf(gguf_loader.memory_cap_mb(), _read, lambda lm: lm.megabytes)


def load_model(key: str = registry.BUNDLED, progress: gguf_loader.Progress | None = None) -> LoadedModel:
    """The model under `key` from the shelf, loaded now if it is not there (ModelUnavailable says
    why it cannot be). A failure is not kept, so fixing the install and reloading the page retries."""
    return shelf().get(key, progress=progress)
