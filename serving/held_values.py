"""Values kept for as long as some session still shows them.

A shared cache (st.cache_resource) keeps the last few expensive values for everyone; when a class
of 40 each types a text of their own, the others' texts push a student's analysis out before the
student moves a slider, and the slider's rerun computes it again (load test, 40 sessions: 138
forward passes for 80 texts, the extra ones in the class's first seconds, when passes queue).
Here each session holds its own latest values in its state, and every session finds them through
one weak map: a value lives while a session holds it (or the cache does), and goes when the
session is dropped (serving/process.py sweeps closed tabs) or moves on.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, MutableMapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class HeldValues(Generic[K, V]):
    """A weak map from keys to values that sessions hold in their own state.

    `per_session`: how many of its latest values a session holds. `budget_bytes`: a session holds
    a new value only while all the values still alive, with it, stay within this many bytes
    (`size` tells a value's bytes); past it the value is only cached as before, so a class of long
    texts cannot hold the server's memory hostage.
    """

    def __init__(self, state_key: str, per_session: int, budget_bytes: int, size: Callable[[V], int]) -> None:
        self.state_key, self.per_session, self.budget_bytes, self.size = state_key, per_session, budget_bytes, size
        self._live: weakref.WeakValueDictionary[K, V] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value some session (or the cache) still holds, else None."""
        with self._lock:
            return self._live.get(key)

    def live_bytes(self) -> int:
        with self._lock:
            values = list(self._live.values())
        return sum(self.size(v) for v in values)

    def hold(self, key: K, value: V, state: MutableMapping | None) -> bool:
        """Make `value` findable by every session while it lives, and hold it in `state` (this
        session's, None outside a session) among its latest `per_session`. False if the budget
        left it unheld."""
        with self._lock:
            self._live[key] = value
        if state is None:
            return False
        held: dict = state.get(self.state_key) or {}
        if key not in held and self.live_bytes() > self.budget_bytes:
            return False
        held = {k: v for k, v in held.items() if k != key}
        held[key] = value  # newest last
        state[self.state_key] = dict(list(held.items())[-self.per_session:])
        return True
