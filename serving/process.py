"""How this server process works around Python's and Streamlit's defaults.

Two workarounds, each for a behaviour of the pinned versions (Streamlit 1.67, glibc, torch 2.13)
that cost a class's server real time or memory. Each names the behaviour it works around and the
test that fails without it. The environment that belongs with them (MALLOC_ARENA_MAX=2,
OMP_NUM_THREADS=1) is deploy/server.env, which run.sh, the Docker image and the tests' servers
read and whose comments give the figures.
"""
from __future__ import annotations

import gc
import threading

from serving.heap import trim_heap
from serving.streamlit_internals import closed_session_store

_freeze_lock = threading.Lock()
_frozen = False


def freeze_startup_heap() -> None:
    """Make Streamlit's per-rerun garbage collection cheap. Once per process.

    Works around: Python's full collections (and Streamlit's after every script run,
    `runner.postScriptGC`, which .streamlit/config.toml now turns off because with a class's
    sessions alive even a frozen heap left it a third of the GIL time). With torch and plotly
    imported, a full collection walked
    ~380,000 long-lived objects and held the GIL for ~130 ms; under a class's load that
    was half of the server's time (py-spy), and every forward pass queued behind it.
    `gc.freeze()` moves the objects alive after start-up (modules, classes, plotly
    validators) into a generation the collector never scans: a full collection then
    takes well under 1 ms and still frees everything a rerun creates.
    Test: tests/serving/test_process.py (the collector's tracked objects).
    """
    global _frozen
    if _frozen:
        return
    with _freeze_lock:
        if _frozen:
            return
        import plotly.graph_objects  # noqa: F401  (imported here so their objects are frozen too)
        import torch  # noqa: F401

        gc.collect()  # garbage frozen now would never be freed
        gc.freeze()
        _frozen = True


_sweeper_lock = threading.Lock()
_sweeper: threading.Thread | None = None


def sweep_closed_sessions() -> int:
    """Drop the closed sessions whose time is up and hand the freed heap back; how many went."""
    store = closed_session_store()
    gone = len(store.expire()) if store is not None and hasattr(store, "expire") else 0
    if gone:
        gc.collect()
        trim_heap()
    return gone


def start_session_sweeper(period: float = 10.0) -> None:
    """Give a class's memory back soon after it leaves. Once per process.

    Works around: Streamlit keeps a closed tab's session (its session state, widget values and
    the run's references, about 10 MB each under the load test) in a TTLCache for
    `server.disconnectedSessionTTL`, but that cache only removes expired entries when it is
    next used, by a new connection. After the last student leaves nothing connects, and the
    whole class's memory stays (load test: +430 MB 40 s after 30 sessions closed). A daemon
    thread expires them every `period` seconds, then collects and trims the heap.
    Test: tests/serving/test_process.py (an expired session is dropped).
    """
    global _sweeper
    with _sweeper_lock:
        if _sweeper is not None:
            return

        def loop() -> None:
            while True:
                threading.Event().wait(period)
                try:
                    sweep_closed_sessions()
                except Exception:  # a Streamlit internal changed: keep serving, just without sweeping
                    return

        _sweeper = threading.Thread(target=loop, name="ffnlab-session-sweeper", daemon=True)
        _sweeper.start()
