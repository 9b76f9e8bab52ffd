"""The neuron dictionary: the one that ships with FFN Lab (read once per server and shared), a
background build where none ships for the model, and dictionaries of a user's own upload."""
from __future__ import annotations

import html
import threading
import time
from pathlib import Path

import streamlit as st

from components.shared.token_html import coloured_tokens
from model.lm import build_dictionary, gguf_loader
from model.lm import neuron_dictionary as nd
from model.lm.gguf_loader import LoadedModel
from model.lm.kv_memory import token_text
from serving import forward_pass, waiting

MAX_UPLOAD_CHARS = 20_000  # about 5,000 tokens: a build of under half a minute


class BuildJob:
    """The built-in dictionary of a model for which none ships, built over the reading corpus
    in a background thread owned by the server process, so a visitor who leaves mid-build
    does not cancel it and everyone else sees the same progress. While it runs, `partial` is
    the dictionary of the corpus covered so far: first after `partial_first` seconds, then
    renewed every `partial_every` seconds."""

    partial_first, partial_every = nd.PARTIAL_FIRST, nd.PARTIAL_EVERY

    def __init__(self) -> None:
        self.done, self.total = 0, 1
        self.started = time.monotonic()
        self.result: nd.NeuronDictionary | None = None
        self.partial: nd.NeuronDictionary | None = None
        self.error: str | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, lm: LoadedModel) -> None:
        with self._lock:
            if self._thread is None:
                self.started = time.monotonic()
                self._thread = threading.Thread(target=self._run, args=(lm,), name="dictionary-build", daemon=True)
                self._thread.start()

    def time_left(self) -> str:
        """'about 12 min left', from the pace so far (models differ a thousandfold in speed)."""
        if self.done == 0:
            return "estimating the time left"
        seconds = (time.monotonic() - self.started) / self.done * (self.total - self.done)
        return f"about {seconds / 60:.0f} min left" if seconds >= 90 else f"about {seconds:.0f} s left"

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def show_progress(self, what: str, poll_seconds: float, newer=lambda: False) -> None:
        """A progress bar that refreshes itself every `poll_seconds` and reruns the page once the
        build ends, fails or `newer()` says it has something new to show."""
        @st.fragment(run_every=poll_seconds)
        def progress() -> None:
            if self.result is not None or self.error or newer():
                st.rerun()
            st.progress(self.done / self.total, text=f"{what} (none ships for this model file; once per machine): "
                        f"{self.done:,} / {self.total:,} tokens, {self.time_left()}")

        progress()

    def failed(self, err: Exception) -> None:
        """Shown on the page; the next visit starts the build again."""
        self.error = f"{type(err).__name__}: {err}"
        with self._lock:
            self._thread = None

    def _run(self, lm: LoadedModel) -> None:
        def publish(d: nd.NeuronDictionary) -> None:
            self.partial = d

        try:
            self.result = build_dictionary.build_builtin(lm, progress=self.progress, lock=forward_pass(),
                                                         partial=publish, partial_first=self.partial_first,
                                                         partial_every=self.partial_every)
        except Exception as err:
            self.failed(err)


@st.cache_resource(show_spinner=False)
def builtin_job(source: str) -> BuildJob:
    """The build of the model file `source`'s dictionary: one per model and server process."""
    return BuildJob()


def _with_progress(label: str, build):
    bar = st.progress(0.0, text=label)
    with waiting():  # a build takes seconds to minutes: other sessions' scripts go on
        result = build(lambda done, total: bar.progress(done / total, text=f"{label} {done:,} / {total:,} tokens"))
    bar.empty()
    return result


@st.cache_resource(show_spinner=False)
def _shipped(source: str) -> nd.NeuronDictionary | None:
    return build_dictionary.load_builtin(Path(source))


def ready(lm: LoadedModel) -> nd.NeuronDictionary | None:
    """The built-in dictionary if it is on disk (shipped, or built earlier); never starts a build."""
    return _shipped(str(lm.source))


def builtin_dictionary(lm: LoadedModel, poll_seconds: float = 1.0, partial: bool = False
                       ) -> nd.NeuronDictionary | None:
    """The built-in dictionary, or None while it is being built (a progress bar that refreshes
    itself is shown, and the page reruns when the build is done). With `partial`, while it is
    being built: the dictionary of the corpus covered so far once the build has published one
    (`NeuronDictionary.partial`; see `caption`), and the page reruns when a newer one is out."""
    shipped = _shipped(str(lm.source))
    if shipped is not None:
        return shipped
    job = builtin_job(str(lm.source))
    job.start(lm)
    if job.result is not None:
        return job.result
    if job.error:
        st.error(f"Building the neuron dictionary failed ({job.error}). Reload the page to retry.")
        return None
    shown = job.partial if partial else None
    job.show_progress("Building the neuron dictionary from the built-in corpus", poll_seconds,
                      newer=lambda: partial and job.partial is not shown)
    return shown


def caption(d: nd.NeuronDictionary, source: str) -> str:
    """What a dictionary was built from, for the line above the page's lists; for a partial one,
    how much of the corpus it covers and that its lists may still change."""
    mix = f" ({source_mix(d)})" if d.sources else ""
    if d.partial:
        return (f"Dictionary of {source}, built from its first {d.n_tokens:,} of {d.corpus_tokens:,} tokens so far"
                f"{mix}: the build goes on, so the lists below may change and gain stronger contexts; "
                "the page updates itself.")
    return f"Dictionary of {source}: {d.n_tokens:,} tokens{mix}."


def decode_upload(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a usable upload, or (None, the reason it is refused)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"The file is not UTF-8 text (byte {err.start} cannot be decoded). Save it as UTF-8 and retry."
    if not text.strip():
        return None, "The file is empty."
    if len(text) > MAX_UPLOAD_CHARS:
        return None, (f"The file has {len(text):,} characters; the limit is {MAX_UPLOAD_CHARS:,} "
                      "so that a build takes under half a minute on this server.")
    return text, None


def upload_dictionary(lm: LoadedModel, text: str) -> nd.NeuronDictionary:
    """A dictionary of the user's own text (paragraphs as documents), kept for this session."""
    docs = [p for p in text.split("\n\n") if p.strip()]
    key = f"dictionary.{lm.source}.{nd.corpus_key(docs)}"
    if key not in st.session_state:
        st.session_state[key] = _with_progress(
            "Building a dictionary of your file:",
            lambda progress: nd.load_or_build(lm.model, lm.tokenizer, docs, gguf_loader.cache_dir(), progress,
                                              forward_pass(), lm.source))
    return st.session_state[key]


@st.cache_resource(max_entries=64, ttl=1800, show_spinner=False)
def firing_on(_lm: LoadedModel, _d: nd.NeuronDictionary, fingerprint: str, token: int) -> tuple[list[nd.Firing], int]:
    """The neurons firing most on `token` in dictionary `fingerprint`: six short forward passes
    (about 1 s), so computed once per token rather than on every rerun of the page."""
    with forward_pass():
        return nd.neurons_firing_on(_lm.model, _d, token)


@st.cache_resource(max_entries=256, ttl=1800, show_spinner=False)
def _promoting(_lm: LoadedModel, source: str, token: int) -> list[tuple[int, int, float]]:
    return nd.neurons_promoting(_lm.model, token)


def promoting(lm: LoadedModel, token: int) -> list[tuple[int, int, float]]:
    """(layer, neuron, score) of the neurons whose value vectors write `token` most: every neuron's
    readout of it (about 10 ms), once per token rather than on every rerun of the page."""
    return _promoting(lm, str(lm.source), token)


def source_mix(d: nd.NeuronDictionary) -> str:
    """'encyclopaedic 40%, quotations and dialogue 25%, ...': the corpus's kinds of text by tokens."""
    return ", ".join(f"{name} {share:.0%}" for name, share in d.source_shares().items())


def context_line(lm: LoadedModel, d: nd.NeuronDictionary, value: float, position: int) -> str:
    """One corpus context as HTML: the coefficient, the tokens with the firing one outlined, and
    the kind of text it comes from. Every piece of text is escaped."""
    ids, at = d.context(position)
    pieces = [token_text(lm.tokenizer, i) for i in ids]
    origin = d.source_of(position)
    return (f"<div style='display:flex;gap:8px;align-items:center'><code>m = {value:+.2f}</code>"
            f"{coloured_tokens(pieces, highlight=at)}"
            + (f"<small style='opacity:0.6'>{html.escape(origin)}</small>" if origin else "") + "</div>")
