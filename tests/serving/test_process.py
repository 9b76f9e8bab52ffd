"""The server process's workarounds (serving/process.py, serving/heap.py) do what they are for.
The router workaround needs a fresh server: tests/browser/test_first_visitor.py."""
import ctypes
import json
import subprocess
import sys

import pytest

from serving import heap, process, streamlit_internals
from testkit import ROOT


def _rss_anon_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssAnon:")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and needs glibc")
def test_trim_returns_memory_freed_in_the_middle_of_the_heap():
    blocks = [ctypes.create_string_buffer(4000) for _ in range(25_000)]  # 100 MB through malloc
    keep = blocks[-1]  # a live block at the top stops malloc from shrinking the heap by itself
    del blocks
    before = _rss_anon_mb()
    assert heap.trim_heap()
    assert before - _rss_anon_mb() > 50
    assert keep.raw[:1] == b"\x00"


FREEZE = """
import gc, json
from serving import process
process.freeze_startup_heap()
process.freeze_startup_heap()  # a second call (every rerun of app.py makes one) changes nothing
print(json.dumps({"frozen": gc.get_freeze_count(), "scanned": len(gc.get_objects())}))
"""


def test_freezing_leaves_the_collector_almost_nothing_to_walk():
    # in a fresh interpreter: what a full collection after each rerun walks is what is not frozen
    res = subprocess.run([sys.executable, "-c", FREEZE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    counts = json.loads(res.stdout.strip().splitlines()[-1])
    assert counts["frozen"] > 100_000  # torch, plotly and streamlit's long-lived objects
    assert counts["scanned"] < counts["frozen"] / 50


def test_the_sweeper_drops_closed_sessions_whose_time_is_up(monkeypatch):
    """Streamlit's own store of closed sessions keeps an expired one until it is next used; a sweep
    removes it (and only it)."""
    import time

    from streamlit.runtime.memory_session_storage import MemorySessionStorage

    assert streamlit_internals.closed_session_store() is None  # no server in this process: nothing to sweep
    storage = MemorySessionStorage(ttl_seconds=0.2)
    storage.save(type("Info", (), {"session": type("S", (), {"id": "gone"})()})())
    monkeypatch.setattr(process, "closed_session_store", lambda: storage._cache)
    held = storage._cache._expirations  # what the store holds, without reaping (len() would reap)
    assert process.sweep_closed_sessions() == 0 and len(held) == 1  # not yet
    time.sleep(0.3)
    assert len(held) == 1  # expired, but still held: what the sweeper works around
    assert process.sweep_closed_sessions() == 1 and len(held) == 0
