"""The trace worker process: its traces are the server's own (bit for bit), they arrive through
files it leaves nothing of, and a worker that cannot load its model or dies says so instead of
hanging, so the server falls back to computing itself and replaces a worker that died."""
import os
import signal
import time

import pytest
import torch

from model.lm import gguf_loader
from model.lm import kv_memory as kv
from model.lm.kv_memory import MAX_TOKENS
from serving.trace_worker import FIELDS, TraceWorker, WorkerUnavailable, _scratch_folder
from testkit.gguf_files import write_llama

pytestmark = pytest.mark.model


def _leftovers() -> set[str]:
    return {f for f in os.listdir(_scratch_folder()) if f.startswith("ffnlab-trace-")}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny LLaMA file with its float32 cache (where the worker loads it from) in a folder of
    the test's own, which the worker inherits through the environment."""
    folder = tmp_path_factory.mktemp("worker")
    saved = os.environ.get("FFNLAB_CACHE")
    os.environ["FFNLAB_CACHE"] = str(folder / "cache")
    try:
        path = write_llama(folder / "tiny.gguf")
        lm = gguf_loader.load(path)
        lm.wait_for_cache()
        worker = TraceWorker(path, batch_budget=MAX_TOKENS)
        assert worker.wait_ready(60), worker.problem
        yield lm, worker
        worker.close()
    finally:
        if saved is None:
            os.environ.pop("FFNLAB_CACHE")
        else:
            os.environ["FFNLAB_CACHE"] = saved


def test_its_traces_equal_the_server_s_own(tiny):
    lm, worker = tiny
    before = _leftovers()
    texts = [lm.tokenizer.encode(t).ids for t in ("The capital of France is", "Hi there, a longer text than that")]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as servers and the worker run: the same kernels, the same rounding
    try:
        mine = [kv.run(lm.model, ids) for ids in texts]
    finally:
        torch.set_num_threads(threads)
    theirs = worker.run_many(texts)
    for a, b in zip(mine, theirs):
        assert b.logits.shape == (1, lm.config.vocab_size)  # the last position's
        for name in FIELDS:  # the shorter text was padded in the batch: equal up to float32 rounding
            torch.testing.assert_close(getattr(b, name), getattr(a, name), atol=2e-4, rtol=1e-4, msg=name)
    alone = worker.trace(texts[0])  # one text alone: bit for bit
    assert all(torch.equal(getattr(alone, name), getattr(mine[0], name)) for name in FIELDS)
    theirs[0].coeffs[0, 0, 0] = 1.0  # the server may write into them (copy-on-write mapping)
    assert _leftovers() <= before  # every file was unlinked once mapped


def test_a_worker_that_cannot_load_its_model_says_why(tmp_path):
    bad = tmp_path / "damaged.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    worker = TraceWorker(bad, batch_budget=MAX_TOKENS)
    try:
        assert not worker.wait_ready(60)
        assert worker.problem
        with pytest.raises(WorkerUnavailable):
            worker.run_many([[1, 2, 3]])
    finally:
        worker.close()


def test_a_worker_that_died_is_reported_not_waited_for(tiny, tmp_path):
    lm, _ = tiny
    worker = TraceWorker(lm.source, batch_budget=MAX_TOKENS)
    assert worker.wait_ready(60), worker.problem
    os.kill(worker.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while worker.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker.ready
    with pytest.raises(WorkerUnavailable):
        worker.run_many([[1, 2, 3]])
    worker.close()


def test_a_stuck_worker_is_stopped_and_reported(tiny):
    lm, _ = tiny
    worker = TraceWorker(lm.source, batch_budget=MAX_TOKENS, reply_timeout=2)
    assert worker.wait_ready(60), worker.problem
    os.kill(worker.pid, signal.SIGSTOP)  # alive but never answering
    try:
        with pytest.raises(WorkerUnavailable, match="no answer"):
            worker.run_many([[1, 2, 3]])
        assert not worker.ready and not worker.alive
    finally:
        worker.close()


def _ready_worker(key, lm, timeout=60.0):
    """The server's worker for `key` once it serves (serving.models.trace_worker starts it)."""
    from serving import models

    deadline = time.monotonic() + timeout
    while (worker := models.trace_worker(key, lm)) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker is not None, "no trace worker started"
    return worker


def test_a_killed_worker_is_replaced_on_the_next_request(tiny, monkeypatch):
    """SIGKILL the server's worker: the next new text starts a new worker process, which traces
    the texts after it (until it serves, this process computes them, as before the first one)."""
    from serving import models

    lm, _ = tiny
    monkeypatch.setenv("FFNLAB_MODELS", str(lm.source))
    models.offered.clear()
    models.shelf.clear()
    key = next(m.key for m in models.offered()[0] if m.path == lm.source)
    try:
        assert models.load_model(key).source == lm.source
        first = _ready_worker(key, lm)
        ids = [lm.tokenizer.encode(t).ids for t in ("one text", "another text", "a third text")]
        before = sum(first.queue.batch_sizes.values())
        models.trace(key, lm, ids[0])
        assert sum(first.queue.batch_sizes.values()) == before + 1  # traced by the worker
        os.kill(first.pid, signal.SIGKILL)
        first._proc.wait(10)
        expected = kv.run(lm.model, ids[1])
        assert torch.allclose(models.trace(key, lm, ids[1]).coeffs, expected.coeffs, atol=2e-4)  # still answered
        second = _ready_worker(key, lm)
        assert second is not first and second.pid != first.pid and second.alive
        models.trace(key, lm, ids[2])
        assert sum(second.queue.batch_sizes.values()) == 1  # the new worker traced it
    finally:
        for _, worker in models._trace_workers().values():
            worker.close()
        models._trace_workers.clear()
        models.offered.clear()
        models.shelf.clear()
