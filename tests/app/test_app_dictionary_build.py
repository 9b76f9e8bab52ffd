"""A model with no shipped dictionary: the dictionary page shows what the build has covered so far."""
import time
from contextlib import ExitStack

import pytest

from testkit.apptest import run_page, tables
from testkit.gguf_files import write_llama

pytestmark = pytest.mark.model


def wait_for(condition, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def settled(job) -> bool:
    """The build has taken in every pass that ran and published its dictionary so far."""
    before = (job.done, job.partial and job.partial.n_tokens)
    time.sleep(0.3)
    return job.partial is not None and before == (job.done, job.partial.n_tokens) == (job.done, job.done)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_page_shows_the_partial_dictionary_while_the_build_waits_for_a_class(tmp_path, monkeypatch):
    """A class holds every forward slot, so the build (which takes one per window, behind them in
    line) runs only what one slot handed back lets through: the page then shows the dictionary of
    those first tokens, says how many of the corpus's, and stays usable; once the class lets go,
    the build ends with the whole dictionary."""
    from components.lm.dictionary_views import builtin_job, caption
    from serving import forward_pass, offered, shelf
    from serving.models import FORWARDS

    tiny = write_llama(tmp_path / "Tiny-Build.Q8_0.gguf", name="Tiny Build")
    monkeypatch.setenv("FFNLAB_MODELS", str(tiny))
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path / "cache"))
    offered.clear()
    job = builtin_job(str(tiny))
    job.partial_first = job.partial_every = 0.0  # a partial dictionary after every window
    try:
        with ExitStack() as class_:
            slots = [class_.enter_context(ExitStack()) for _ in range(FORWARDS.slots)]
            for held in slots:
                held.enter_context(forward_pass())
            at = run_page("neurons", timeout=120, model="tiny-build-q8-0", token="")
            assert "Building the neuron dictionary" in at.get("progress")[0].proto.text
            assert "Dictionary of" not in captions(at) and not any("m = " in m.value for m in at.markdown)
            wait_for(lambda: FORWARDS.waiting() >= 1)  # the build, tokens counted, waits for a slot
            slots[0].close()  # it takes that slot for a window; the class asks again, behind it
            slots[0].enter_context(forward_pass())  # back: every slot is the class's, no pass runs
            wait_for(lambda: settled(job))
            done = job.partial.n_tokens
            assert 0 < done <= 2 * 256 and job.result is None  # a window, or two with a pass per core

            at.run()
            assert not at.exception, [e.value for e in at.exception]
            assert job.result is None and job.partial.n_tokens == done  # nothing ran meanwhile
            text = captions(at)
            assert (f"built from its first {done:,} of {job.partial.corpus_tokens:,} tokens so far" in text
                    and "the lists below may change" in text and "encyclopaedic" in text), text
            assert "Building the neuron dictionary" in at.get("progress")[0].proto.text
            lines = [m.value for m in at.markdown if "m = " in m.value]
            assert lines, "the neuron card shows the contexts found so far"
            hrefs = [h for t in tables(at) for h in t["hrefs"]]
            assert all("model=tiny-build-q8-0" in h for h in hrefs)
        wait_for(lambda: job.result is not None or job.error is not None)
        assert job.error is None and not job.result.partial and job.result.n_tokens == job.partial.corpus_tokens
        # (the page with the finished dictionary: test_app_kv's second-model test)
        assert caption(job.result, "the built-in corpus").startswith(
            f"Dictionary of the built-in corpus: {job.result.n_tokens:,} tokens (")
    finally:
        offered.clear()
        shelf.clear()
