"""Page scripts give way to the trace worker when they compete for a core.

While a class arrives, the trace worker (model/lm/trace_worker.py) is the bottleneck: forty new
texts need about 3 s of one core. At equal priority it shared its core with the server's page
scripts, got about 0.7 of it and was preempted every 2 ms or so (250-700 involuntary context
switches in one 8-text batch, which took twice as long as alone). So a thread running a page
script lowers its own priority by a few nice levels (always allowed, where raising it needs
privileges) and the worker is started from a thread that kept the process's priority: on Linux
niceness belongs to a thread, and a new thread or process inherits its creator's.
"""
from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Future
from typing import Callable, TypeVar

T = TypeVar("T")


def niceness() -> int:
    """The calling thread's nice value (Linux: PRIO_PROCESS with who=0 is the calling thread)."""
    return os.getpriority(os.PRIO_PROCESS, 0)


def lower_this_thread(to: int) -> None:
    """Run the calling thread at nice `to` if it runs above it; never raises its priority."""
    try:
        if niceness() < to:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), to)
    except (OSError, AttributeError):  # no per-thread niceness here: keep running as we are
        pass


class BaseThread:
    """One thread, started when this module is imported, that runs what must start at the
    priority the process began with (imported by app.py before any script lowers its own)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.niceness = niceness()
        threading.Thread(target=self._serve, name="ffnlab-base-priority", daemon=True).start()

    def _serve(self) -> None:
        while True:
            fn, done = self._jobs.get()
            try:
                done.set_result(fn())
            except BaseException as err:
                done.set_exception(err)

    def run(self, fn: Callable[[], T]) -> T:
        """fn() run in the base thread (so processes and threads it starts keep its priority)."""
        if threading.current_thread().name == "ffnlab-base-priority":
            return fn()
        done: Future = Future()
        self._jobs.put((fn, done))
        return done.result()


BASE = BaseThread()
