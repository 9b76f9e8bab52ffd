"""What a page script's run needs from the server: its turn among the scripts (serving/script_slots.py),
lending it while it waits, a fragment that takes its own turn, the values a session holds, and the
once-per-process set-up after the first run."""
from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

import streamlit as st

from model.util import settings
from serving import process, streamlit_internals
from serving.held_values import HeldValues
from serving.script_slots import ScriptSlots

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# One: a script that waits for a forward pass lends it, so one computing script at a time keeps
# both cores busy (the other runs the trace worker). 40 sessions + 2 browsers, one round each:
# p95 775 and 960 ms with one slot (a third round: 3,299), 1,907 and 2,246 with two, 8,927 with
# four (docs/load.md). Scripts run 5 nice levels below the trace worker, which a class's
# first texts wait for (serving/priority.py).
SCRIPTS = ScriptSlots(settings.script_slots(), niceness=settings.script_niceness())


@contextmanager
def page_run() -> Iterator[None]:
    """app.py's whole run: a few scripts at a time, the others wait their turn blocked. After the
    first run (which imported what the pages use) the start-up heap is frozen and the sweeper of
    closed sessions starts (serving/process.py)."""
    with SCRIPTS.held():
        yield
    process.freeze_startup_heap()
    process.start_session_sweeper()


def waiting():
    """Lend this script's turn while the block waits for something slow elsewhere (a model load, a
    dictionary build): other sessions' scripts run meanwhile."""
    return SCRIPTS.lent()


def fragment(fn: Callable | None = None, *, run_every: float | None = None) -> Callable:
    """`st.fragment` that takes its own turn among the scripts: a fragment's rerun does not pass
    through app.py's `page_run`. `run_every` (seconds) reruns it on a timer, as class mode's
    polling does (`@fragment(run_every=1)`)."""
    if fn is None:
        return functools.partial(fragment, run_every=run_every)

    @st.fragment(run_every=run_every)
    @functools.wraps(fn)
    def part(*args, **kwargs):
        with SCRIPTS.held():
            return fn(*args, **kwargs)
    return part


def fragment_id() -> str | None:
    """The id of the fragment whose code runs now (None: the page's own code)."""
    return streamlit_internals.running_fragment()


def rerun_every(fragment_id: str, seconds: float) -> None:
    """Have the browser rerun a fragment drawn with `fragment(run_every=...)` every `seconds` from
    now on, without drawing it again (its next full-page draw sets its own interval back)."""
    streamlit_internals.rerun_fragment_every(fragment_id, seconds)


class Held(Generic[K, V]):
    """Values each session holds while it shows them, found by every session (serving/held_values.py)."""

    def __init__(self, state_key: str, per_session: int, size: Callable[[V], int]) -> None:
        # A 14-token trace holds 9.5 MB, so a class of 40 short texts fits twice over; 256-token
        # texts (170 MB each) beyond the budget are only cached.
        budget = settings.held_traces_mb() * 2**20
        self.state_key = state_key  # where a session's state holds them
        self.values = HeldValues[K, V](state_key, per_session, budget, size)

    def remember(self, key: K, make: Callable[[], V]) -> V:
        """The value some session holds under `key`, else `make()`; held for this session either way."""
        value = self.values.get(key)
        if value is None:
            value = make()
        self.values.hold(key, value, streamlit_internals.session_state_here())
        return value
