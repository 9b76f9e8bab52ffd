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


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_page_shows_the_partial_dictionary_while_the_build_waits_for_a_class(tmp_path, monkeypatch):
    """A class holds every forward slot, so the build (which takes one per window, behind them in
    line) runs exactly one window when one slot is handed back: the page then shows the dictionary
    of those first tokens, says how many of the corpus's, and stays usable; once the class lets
    go, the build ends and the page shows the whole dictionary."""
    from components.lm.dictionary_views import builtin_job
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
            wait_for(lambda: FORWARDS.waiting() == 1)  # the build, tokens counted, waits for a slot
            slots[0].close()  # it takes that slot for one window; the class asks again, behind it
            slots[0].enter_context(forward_pass())
            wait_for(lambda: job.partial is not None)
            done = job.partial.n_tokens
            assert 0 < done <= 256 and job.result is None

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
        assert job.error is None and not job.result.partial
        at.run()
        assert "Dictionary of the built-in corpus: " in captions(at) and "so far" not in captions(at)
        assert not at.get("progress")
    finally:
        offered.clear()
        shelf.clear()
