"""Page scripts give way to the trace worker when they compete for a core.

While a class arrives, the trace worker (serving/trace_worker.py) is the bottleneck: forty new
texts need about 3 s of one core. At equal priority it shared its core with the server's page
scripts, got about 0.7 of it and was preempted every 2 ms or so (250-700 involuntary context
switches in one 8-text batch, which took twice as long as alone). So a thread running a page
script lowers its own priority by a few nice levels (always allowed, where raising it needs
privileges) and the worker is started from a thread that kept the process's priority: on Linux
niceness belongs to a thread, and a new thread or process inherits its creator's.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor


def niceness() -> int:
    """The calling thread's nice value (Linux: PRIO_PROCESS with who=0 is the calling thread)."""
    return os.getpriority(os.PRIO_PROCESS, 0)


def lower_this_thread(to: int) -> None:
    """Run the calling thread at nice `to` if it runs above it; never raises its priority."""
    try:
        if niceness() < to:
            base()  # made now, while this thread still runs at the priority it was given
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), to)
    except (OSError, AttributeError):  # no per-thread niceness here: keep running as we are
        pass


_base_lock = threading.Lock()
_base: ThreadPoolExecutor | None = None


def base() -> ThreadPoolExecutor:
    """One thread that starts what must keep the process's priority (the trace worker). An executor
    makes its thread at the first submit, in the submitting thread, so that submit is made here,
    on first use: before any thread lowers itself (lower_this_thread calls this first), so from a
    thread at the priority the process began with. Nothing starts at import."""
    global _base
    with _base_lock:
        if _base is None:
            _base = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ffnlab-base-priority")
            _base.submit(niceness).result()
        return _base


def base_niceness() -> int:
    """The nice value the base thread (and so the trace worker) runs at."""
    return base().submit(niceness).result()
