"""Per-session rate limits: a sliding window of recent events, held in the session's state."""
from __future__ import annotations

import time
from collections import deque


class Window:
    """At most `limit` events in any `seconds`; `allow()` records an event only when it fits."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.events: deque[float] = deque()

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        while self.events and now - self.events[0] >= self.seconds:
            self.events.popleft()
        if len(self.events) >= self.limit:
            return False
        self.events.append(now)
        return True

    def wait(self, now: float | None = None) -> float:
        """Seconds until the next event would fit."""
        now = time.monotonic() if now is None else now
        return 0.0 if len(self.events) < self.limit else max(0.0, self.seconds - (now - self.events[0]))


# A student answering every question on a page, and changing their mind, stays well inside these;
# a script hammering the database does not.
ANSWERS = (30, 60.0)  # 30 answers a minute
ROOMS = (3, 600.0)  # 3 new rooms in 10 minutes
JOINS = (10, 60.0)  # 10 codes tried a minute: guessing one of 34 million codes is hopeless
