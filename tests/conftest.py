"""Shared fixtures: a real Streamlit server and a real headless Chromium (their helpers: testkit/)."""
from __future__ import annotations

import pytest
import torch

from testkit import ARTIFACTS
from testkit.browser import CHROMIUM_ARGS
from testkit.browser import chromium_path as find_chromium
from testkit.server import start_streamlit

# AppTest runs the pages in this process, beside the tests' servers and Chromium: give it a server's
# one torch thread (deploy/server.env says why; with two, a 3 s width search took over 60 s here
# while anything else held a core).
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def warm_caches():
    """Dequantised model and built-in neuron dictionary on disk before any server starts,
    exactly as `./run.sh app` prepares them (a minute, once per machine)."""
    from model.lm import prepare
    assert prepare.main() == 0


@pytest.fixture(scope="session")
def server_url(warm_caches, tmp_path_factory):
    """One real server for the browser tests, offering a second model (a tiny random LLaMA file)
    beside the bundled one, as a server started with $FFNLAB_MODELS does."""
    from testkit.gguf_files import write_llama

    tiny = write_llama(tmp_path_factory.mktemp("models") / "Tiny-Llama.Q8_0.gguf")
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "streamlit-test.log", "w") as log:
        proc, url = start_streamlit(log=log, env={"FFNLAB_MODELS": str(tiny)})
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def chromium_path() -> str:
    try:
        return find_chromium()
    except FileNotFoundError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh tab that fails the test on any JavaScript dialog (alert, confirm, prompt)."""
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield tab
    context.close()
    assert not dialogs, f"a dialog opened: {dialogs}"


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server from Debian's package, for this run only (class mode's tests)."""
    from testkit import postgres
    with postgres.running() as url:
        yield url


@pytest.fixture(scope="session")
def lm():
    """The real SmolLM2-135M, loaded once for the whole run."""
    from model.lm import gguf_loader
    return gguf_loader.load()
