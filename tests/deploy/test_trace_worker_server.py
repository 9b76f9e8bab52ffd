"""A real server computes the key-value page's new texts in its trace worker process, and pages
opened during the worker's start still work (they compute in the server)."""
import asyncio
import threading
import time

import psutil
import pytest

from loadtest.protocol_client import StreamlitSession
from loadtest.run import trace_workers

pytestmark = pytest.mark.browser


def _cpu(procs: list[psutil.Process]) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def test_new_texts_are_traced_in_the_worker_process(server_url):
    server = next(p for p in psutil.process_iter(["cmdline"])
                  if p.info["cmdline"] and any(server_url.rsplit(":", 1)[1] == a for a in p.info["cmdline"]))

    async def session() -> list:
        s = StreamlitSession(server_url)
        await s.connect()
        try:
            results = [await s.open_page("kv_memory")]
            results.append(await s.set_text("kv.text", "The first text, perhaps computed in the server"))
            deadline = time.monotonic() + 60
            while not trace_workers(server) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            workers = trace_workers(server)
            assert workers, "no trace worker process was started"
            worker_cpu = 0.0
            for i in range(20):  # until it has loaded the model and serves (a few seconds)
                before = _cpu(workers)
                results.append(await s.set_text("kv.text", f"Note {i}: a violin near the harbour in winter was"))
                worker_cpu = _cpu(workers) - before
                if worker_cpu > 0.03:  # it did this text's forward pass (~0.1 s of CPU)
                    break
                await asyncio.sleep(1)
            results.append(worker_cpu)
            # it runs ahead of the page scripts, whose threads are 5 nice levels lower
            # (serving/priority.py), and never ran app.py (which would have lowered it too)
            results.append([w.nice() for w in workers])
            return results
        finally:
            await s.close()

    out = []  # a thread of its own: the browser tests' Playwright keeps an event loop in this one
    t = threading.Thread(target=lambda: out.append(asyncio.run(session())))
    t.start()
    t.join(timeout=180)
    *runs, worker_cpu, worker_nice = out[0]
    assert worker_nice and all(n == server.nice() for n in worker_nice)  # one per loaded model
    assert not any(r.exceptions for r in runs)
    assert worker_cpu > 0.03, "the worker never computed a text"
    assert any("harbour" in text for text in runs[-1].texts)  # the page shows the worker's trace
