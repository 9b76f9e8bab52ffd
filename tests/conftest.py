"""Shared fixtures: a real Streamlit server and a real headless Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


# Environment of every server we start, as run.sh and the Dockerfile set it for real ones.
# - MALLOC_ARENA_MAX: Streamlit runs each rerun on a fresh thread, and glibc's default of up to
#   8 malloc arenas per core then keeps freed memory in many half-empty heaps (load test: peak
#   RSS at 30 sessions 1,840 MB with the default, 1,652 MB with two arenas, same latency).
# - OMP_NUM_THREADS: with two, torch's threads meet at a barrier after every matrix product;
#   whenever anything else holds a core, each of a forward pass's ~200 products waits for a
#   scheduler slice and a 0.2 s analysis took 4 s (load test beside one Chromium: p95 at 10
#   sessions 4.7 s with two threads, 0.86 s with one). A short text is as fast on one.
SERVER_ENV = {"MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1"}


def start_streamlit(port: int | None = None, log=subprocess.DEVNULL, env: dict[str, str] | None = None
                    ) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on loopback (a free port unless given), with `env` added to its
    environment; returns it and its URL once it is healthy. The caller terminates it."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **SERVER_ENV, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except BaseException:
        proc.terminate()
        raise
    return proc, url


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
    from tests.gguf_files import write_llama

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
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed: run the README's test command, which installs it")
    return path


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
def lm():
    """The real SmolLM2-135M, loaded once for the whole run."""
    from model.lm import gguf_loader
    return gguf_loader.load()
