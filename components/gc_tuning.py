"""Make Streamlit's per-rerun garbage collection cheap.

Streamlit runs a full `gc.collect(2)` after every script run (`runner.postScriptGC`) so
that memory comes back between reruns. With torch, plotly (and then pandas) imported, a full
collection walked ~380,000 long-lived objects and held the GIL for ~130 ms; under a class's
load that was half of the server's time (py-spy), and every forward pass queued behind it.
`gc.freeze()` moves the objects alive after start-up (modules, classes, plotly validators)
into a generation the collector never scans: a full collection then takes well under 1 ms
and still frees everything created by a rerun.
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_startup_heap() -> None:
    """Once per process: import what every page uses, collect, and freeze what is left."""
    global _frozen
    if _frozen:
        return
    with _lock:
        if _frozen:
            return
        import plotly.graph_objects  # noqa: F401  (imported here so their objects are frozen too)
        import torch  # noqa: F401

        gc.collect()  # garbage frozen now would never be freed
        gc.freeze()
        _frozen = True
