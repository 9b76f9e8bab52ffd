"""A stopping pod's preStop hook: wait until its students have left, then let Kubernetes stop it.

Streamlit keeps each session in this pod's memory, over one websocket per browser tab. When a pod
is stopped (rolling update, scale-down, node drain) it leaves the Service at once, so new visitors
go elsewhere, but the websockets already open stay until they close. Each is an established TCP
connection to the server's port; this waits until there have been none for a few checks in a row
(a health probe's short connection does not last that long), or until the lesson's time is up.
Standard library only: it runs in the app's image, beside the server.

Run (the Deployment's preStop): python /app/deploy/k8s/drain_sessions.py --port 8501 --max-seconds 3600
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ESTABLISHED = "01"  # the state column of /proc/net/tcp
TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))


def established(port: int, tables: tuple[Path, ...] = TABLES) -> int:
    """Established TCP connections whose local end is `port` (the pod's network namespace)."""
    count = 0
    for table in tables:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:  # no IPv6 in this namespace
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == ESTABLISHED and int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def drain(count: Callable[[], int], max_seconds: float, interval: float = 5.0, quiet_checks: int = 3,
          clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> str:
    """Wait until `count()` has been 0 for `quiet_checks` checks in a row ('drained'), or for
    `max_seconds` ('time is up')."""
    deadline, quiet = clock() + max_seconds, 0
    while True:
        quiet = quiet + 1 if count() == 0 else 0
        if quiet >= quiet_checks:
            return "drained"
        if clock() >= deadline:
            return "time is up"
        sleep(interval)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="the longest a lesson may go on")
    ap.add_argument("--interval", type=float, default=5.0)
    args = ap.parse_args(argv)
    start = time.monotonic()
    outcome = drain(lambda: established(args.port), args.max_seconds, args.interval)
    # the kubelet shows a hook's output only when it fails; the pod's events say how long it took
    print(f"drain_sessions: {outcome} after {time.monotonic() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
