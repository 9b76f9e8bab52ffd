"""Helpers for tests of the server's queues: run threads to the end, and see how many were inside
a section at once."""
import threading
import time


class Gauge:
    """How many threads are inside `busy` at once (`peak`: the most seen)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = self.peak = 0

    def busy(self, seconds: float = 0.02) -> None:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(seconds)
        with self._lock:
            self.running -= 1


def run_threads(targets, timeout: float = 10.0) -> None:
    """Start a thread per callable, wait for all, and fail if one is stuck (a deadlock)."""
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
