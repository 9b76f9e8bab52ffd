"""Admission control for page scripts: at most a few run at once, the rest wait blocked.

Streamlit runs every session's script in a thread of its own, and all of them share one GIL. A
thread that gives the GIL away (any torch operation, any system call) waits to get it back
behind every other runnable thread, each holding it for up to the switch interval (5 ms). When
a class of 40 arrives, 40 scripts are runnable at once and every such handoff costs a script
tens of milliseconds: a script of a few hundred handoffs takes seconds while the CPU is half
idle. A thread blocked on a semaphore is not runnable, so with a few scripts admitted at a time
the same work finishes in order, each in about the time it takes alone.

A script lends its slot back while it blocks for long (waiting for a forward pass in another
process or behind other passes), so that waiting does not keep other scripts out. It takes a
slot back only if one is free, and otherwise finishes without one: scripts waiting for the
result it computes (Streamlit's cache lets one session compute a value while others wait for
it) hold slots, and waiting for theirs would deadlock.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from serving.priority import lower_this_thread


class ScriptSlots:
    def __init__(self, slots: int, niceness: int = 0) -> None:
        """`niceness`: a thread entering `held` runs at least this nice from then on (page scripts
        give way to the trace worker: serving/priority.py)."""
        self.slots, self.niceness = slots, niceness
        self._semaphore = threading.Semaphore(slots)  # waiters are woken in arrival order
        self._local = threading.local()

    def _depth(self) -> int:
        return getattr(self._local, "depth", 0)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block holding a slot (nested blocks in the same thread share the outer one)."""
        depth = self._depth()
        if depth == 0:
            if self.niceness:
                lower_this_thread(self.niceness)
            self._semaphore.acquire()
            self._local.holding = True
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0 and self._local.holding:
                self._semaphore.release()

    @contextmanager
    def lent(self) -> Iterator[None]:
        """Give this thread's slot back for the block (which blocks on something else), then take
        one again if one is free. Outside `held`, or with the slot already given, it does nothing."""
        if self._depth() == 0 or not self._local.holding:
            yield
            return
        self._semaphore.release()
        self._local.holding = False
        try:
            yield
        finally:
            self._local.holding = self._semaphore.acquire(blocking=False)

