"""The key-value page's forward passes in a process of their own.

A torch operation releases the GIL while it computes and must take it back before the next one:
a SmolLM2 forward pass is about a thousand operations. In a server where dozens of sessions run
page scripts (pure Python, holding the GIL), each of those takes-back waits for a running
script to let go, up to the interpreter's switch interval. Measured on one core
(OMP_NUM_THREADS=1): a 14-token pass takes 106 ms alone, 4.9 s beside one busy Python thread,
12-19 s beside four (a shorter switch interval only divides that by a few). So in a class's
first minute, new texts waited seconds for the CPU while the CPU was half idle.

Here the passes run in a process of their own with no page scripts: it loads the same model file
(from the float32 cache, memory-mapped, so the weights' pages are shared with the server) and
answers batches of token ids with traces. Each trace comes back as one file in memory (/dev/shm
where it has room) that the server maps and unlinks: a handful of system calls, where sending the
tensors through the pipe would read it 64 KB at a time and give the GIL away at every read, and
torch's own sharing would make a round trip per tensor. If the process cannot start or dies, the
caller falls back to its own forward pass.
"""
from __future__ import annotations

import math
import mmap
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from multiprocessing.connection import Connection
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from model.architectures.transformer import ModelTrace
from serving.forward_slots import ForwardSlots
from serving.heap import trim_heap

FIELDS = [f.name for f in fields(ModelTrace)]
ROOT = Path(__file__).resolve().parents[1]  # the folder `serving` and `model` are imported from
TRIM_AFTER_IDLE_S = 1.0
# Texts per pass. Eight 15-token texts cost 61 ms each on one core and four 70 ms, but while a class
# arrives a text waits for the batch in progress and then for its own: 40 + 2 rounds gave p95
# 826-2,070 ms (median 1,169, 7 rounds) with 8, and 892-1,462 (median 987, 4 rounds) with 4.
MAX_BATCH = 4


class WorkerUnavailable(RuntimeError):
    pass


class TraceWorker:
    """One process holding one model, serving one batch at a time on one core. `trace` may be
    called from any thread: texts that arrive while it computes wait and go together as the next
    batch (of at most `batch_budget` padded tokens)."""

    def __init__(self, path: Path, batch_budget: int, start_timeout: float = 120.0,
                 reply_timeout: float = 60.0) -> None:
        """`reply_timeout`: a batch unanswered for that long (the longest takes a few seconds)
        means the worker is stuck; it is stopped and its callers compute themselves."""
        self.queue = ForwardSlots(1, batch_budget, max_batch=MAX_BATCH)
        # A plain interpreter running this module, not multiprocessing's spawn: spawn re-runs
        # the parent's __main__ in the child, which in a Streamlit server is app.py (the worker
        # imported every page and took a page script's lower priority).
        ours, theirs = socket.socketpair()
        self._proc = subprocess.Popen([sys.executable, "-m", __name__, str(path), str(theirs.fileno())],
                                      pass_fds=[theirs.fileno()], cwd=ROOT, stdin=subprocess.DEVNULL)
        theirs.close()
        self._conn = Connection(ours.detach())
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.problem: str | None = None
        self.served = False  # it started and answered "ready"
        self._timeout, self._reply_timeout = start_timeout, reply_timeout
        threading.Thread(target=self._await_ready, daemon=True, name="ffnlab-trace-worker-start").start()

    def _await_ready(self) -> None:
        try:
            if not self._conn.poll(self._timeout):
                raise WorkerUnavailable(f"no answer within {self._timeout:.0f} s")
            kind, payload = self._conn.recv()
            if kind != "ready":
                raise WorkerUnavailable(payload)
            self.served = True
        except (OSError, EOFError, WorkerUnavailable) as err:
            self.problem = f"{type(err).__name__}: {err}"
            self.close()
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        """Started and serving (a caller that finds it not ready computes in its own process)."""
        return self._ready.is_set() and self.problem is None and self.alive

    @property
    def lost(self) -> bool:
        """It served, then died or was stopped as stuck: a new worker may take its place (one that
        never started, e.g. on a damaged file, is not retried: its model would fail again)."""
        return self._ready.is_set() and self.served and not self.ready

    def wait_ready(self, timeout: float | None = None) -> bool:
        self._ready.wait(timeout)
        return self.ready

    def trace(self, ids: list[int]) -> ModelTrace:
        """kv_memory.run(model, ids) computed by the worker, batched with texts waiting beside it."""
        return self.queue.run("", ids, self.run_many, size=len(ids))

    def run_many(self, texts_ids: list[list[int]]) -> list[ModelTrace]:
        """kv_memory.run_many on the worker's copy of the model; WorkerUnavailable if it is gone."""
        if not self.ready:
            raise WorkerUnavailable(self.problem or "not started")
        with self._lock:
            try:
                self._conn.send(texts_ids)
                if not self._conn.poll(self._reply_timeout):
                    raise TimeoutError(f"no answer within {self._reply_timeout:.0f} s")
                kind, payload = self._conn.recv()
            except (OSError, EOFError) as err:  # TimeoutError is an OSError
                self.problem = f"the worker stopped: {type(err).__name__}: {err}"
                self.close()
                raise WorkerUnavailable(self.problem) from err
        if kind != "ok":
            raise RuntimeError(f"in the trace worker: {payload}")
        return [_open_trace(path, layout) for path, layout in payload]

    def close(self) -> None:
        try:
            self._conn.close()
        except OSError:
            pass
        for stop in (self._proc.terminate, self._proc.kill):  # SIGKILL ends one stuck past SIGTERM
            if not self.alive:
                return
            stop()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                pass

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None


def _serve(path: str, conn) -> None:
    """The worker's loop: load the model, then answer each batch until the server goes away."""
    from model.lm import gguf_loader
    from model.lm import kv_memory as kv

    torch.set_num_threads(1)  # one core for passes; the server's page scripts hold the other
    try:
        lm = gguf_loader.load(Path(path), tokenizer=False)  # it gets token ids, never text
    except Exception as err:  # ModelUnavailable and anything else: told to the server, which falls back
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    folder = _scratch_folder()
    conn.send(("ready", None))
    trimmed = True
    while True:
        try:
            if not trimmed and not conn.poll(TRIM_AFTER_IDLE_S):
                # A batch's tensors (tens of MB) are freed in the middle of the heap: hand them
                # back once the passes pause. Trimming after every batch made the next one fault
                # every page in again (65,000 faults, a fifth of an 8-text batch's time).
                trim_heap()
                trimmed = True
                continue
            batch = conn.recv()
        except (EOFError, OSError):  # the server closed the pipe or exited
            return
        trimmed = False
        try:
            conn.send(("ok", [_write_trace(folder, t) for t in kv.run_many(lm.model, batch)]))
        except Exception as err:
            conn.send(("error", f"{type(err).__name__}: {err}"))


def _scratch_folder() -> str:
    """/dev/shm if it has room for the longest trace many times over (a container's is 64 MB by
    default), else the temporary folder, whose pages are as fast while they stay in the cache."""
    try:
        if shutil.disk_usage("/dev/shm").free > 2**30:
            return "/dev/shm"
    except OSError:
        pass
    return tempfile.gettempdir()


def _write_trace(folder: str, trace: ModelTrace) -> tuple[str, list[tuple[str, tuple[int, ...]]]]:
    present = [name for name in FIELDS if getattr(trace, name) is not None]  # logits may be None
    layout = [(name, tuple(getattr(trace, name).shape)) for name in present]
    fd, path = tempfile.mkstemp(prefix="ffnlab-trace-", dir=folder)
    with os.fdopen(fd, "wb") as f:
        for name in present:
            f.write(getattr(trace, name).contiguous().numpy())
    return path, layout


def _open_trace(path: str, layout: list[tuple[str, tuple[int, ...]]]) -> ModelTrace:
    """The trace written at `path`, mapped (copy-on-write, so its tensors are writable) and
    unlinked. numpy views and torch.from_numpy keep the GIL; torch's view operations would each
    give it away."""
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    os.unlink(path)
    flat, at, parts = np.frombuffer(mapped, dtype=np.float32), 0, {"logits": None}
    for name, shape in layout:
        n = math.prod(shape)
        parts[name] = torch.from_numpy(flat[at:at + n].reshape(shape))
        at += n
    return ModelTrace(**parts)


if __name__ == "__main__":  # started by TraceWorker: python -m serving.trace_worker MODEL_PATH FD
    _serve(sys.argv[1], Connection(int(sys.argv[2])))
