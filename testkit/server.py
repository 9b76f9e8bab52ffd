"""A real FFN Lab server for tests, benchmarks and the load test, started as run.sh starts one."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from testkit import ROOT


def server_env() -> dict[str, str]:
    """deploy/server.env (MALLOC_ARENA_MAX, OMP_NUM_THREADS and why): every server's environment."""
    lines = (ROOT / "deploy" / "server.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


SERVER_ENV = server_env()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


def launch_streamlit(port: int | None = None, log=subprocess.DEVNULL, env: dict[str, str] | None = None
                     ) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on loopback (a free port unless given), with `env` added to its
    environment; returns it and its URL at once, before it is healthy (servers started together
    start in parallel). The caller terminates it."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **SERVER_ENV, **(env or {})})
    return proc, f"http://127.0.0.1:{port}"


def start_streamlit(port: int | None = None, log=subprocess.DEVNULL, env: dict[str, str] | None = None
                    ) -> tuple[subprocess.Popen, str]:
    """launch_streamlit's server, returned once it is healthy."""
    proc, url = launch_streamlit(port, log, env)
    try:
        wait_healthy(url, proc)
    except BaseException:
        proc.terminate()
        raise
    return proc, url
