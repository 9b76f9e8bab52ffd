"""A real PostgreSQL server from Debian's `postgresql` package, started for a test run and removed
after it (class mode's storage tests, the two-replica test). As root it runs as the `postgres`
user, since PostgreSQL refuses to run as root."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin (./run.sh test installs the package)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise FileNotFoundError("PostgreSQL is not installed: ./run.sh test installs Debian's postgresql package.")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def running(database: str = "ffnlab") -> Iterator[str]:
    """Start a throwaway server on a free local port; yields its postgresql+psycopg URL."""
    pg = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="ffnlab-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    run = lambda argv: subprocess.run(_as_owner(argv), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run([str(pg / "initdb"), "-D", str(data), "-U", "ffnlab", "--auth=trust", "-E", "UTF8", "--no-sync"])
        run([str(pg / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "start",
             "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on"])
        run([str(pg / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "ffnlab", database])
        yield f"postgresql+psycopg://ffnlab@127.0.0.1:{port}/{database}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_owner([str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True)
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
