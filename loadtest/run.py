"""Bounded load test of one FFN Lab server on loopback.

N simulated students (protocol-level websocket clients, see protocol_client.py) work for a
fixed time, each on its own text: they type a new sentence into the key-value page (a full
analysis), move its layer slider, and visit the activations page to move a slider. A couple
of real Chromium sessions work alongside them. Every rerun's latency, every error and the
server's resident memory are recorded. The test stops by itself.

Run: .venv/bin/python -m loadtest.run            (sweeps 5, 10, 20 and 30 sessions)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import queue
import random
import shlex
import statistics
import subprocess
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from loadtest.protocol_client import StreamlitSession
from testkit import ARTIFACTS, ROOT
from testkit.browser import CHROMIUM_ARGS, chromium_path
from testkit.server import start_streamlit
from testkit.stats import percentile

SATURATE_SECONDS = 20.0
WORDS = ["river", "market", "teacher", "planet", "garden", "engine", "violin", "harbour", "winter", "library"]


def percentile_ms(seconds: list[float], q: float) -> float:
    """The q-quantile of latencies in seconds, in ms (testkit.stats.percentile; nan for none)."""
    return percentile(seconds, q) * 1000


@dataclass
class Round:
    sessions: int
    browsers: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)  # seconds into the round, one per latency
    started: float = field(default_factory=time.monotonic)
    arrivals: float = 0.0  # the students arrive during the round's first `arrivals` seconds
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (seconds, action) of reruns over 1 s
    browser_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_start_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_end_mb: float = 0.0

    def summary(self) -> dict:
        # once the class has arrived and the queue its first texts made has drained
        settled = [x for x, t in zip(self.latencies, self.finished_at) if t > 3 * self.arrivals]
        return {"sessions": self.sessions, "browsers": self.browsers, "reruns": len(self.latencies),
                "p50_ms": percentile_ms(self.latencies, 0.50), "p95_ms": percentile_ms(self.latencies, 0.95),
                "errors": len(self.errors), "p95_settled_ms": percentile_ms(settled, 0.95) if settled else None,
                "browser_median_ms": statistics.median(self.browser_latencies) * 1000 if self.browser_latencies else None,
                "rss_start_mb": self.rss_start_mb, "rss_peak_mb": self.rss_peak_mb, "rss_end_mb": self.rss_end_mb}


# A class's browsers run on the students' own machines; here they share the server's two cores,
# so the real browsers run at the lowest CPU priority and take only what the server and the
# timing clients leave.


def as_a_student() -> None:
    """Lower this thread's CPU priority (on Linux niceness is per thread, and the processes the
    thread starts inherit it)."""
    os.setpriority(os.PRIO_PROCESS, 0, 19)


def low_priority_chromium(folder: Path) -> str:
    """A launcher for Debian's Chromium at nice 19 without CAP_SYS_NICE: run as root, Chromium
    would lift its display and raster threads to nice -8, above the server."""
    launcher = folder / "chromium-low-priority"
    # Playwright starts the browser detached, in a session of its own; with the kernel's
    # autogroups (sched_autogroup_enabled=1 here) the scheduler first shares the CPU equally
    # between sessions and only then by nice within each, so the session's own nice goes to 19
    # as well: without it the two browsers took a core from the server in a class's first 15 s.
    launcher.write_text("#!/bin/sh\n(echo 19 > /proc/self/autogroup) 2>/dev/null\n"
                        "exec setpriv --inh-caps -sys_nice --bounding-set -sys_nice "
                        f'nice -n 19 {shlex.quote(chromium_path())} "$@"\n')
    launcher.chmod(0o755)
    return str(launcher)


# every view drawn at once, as a teacher's ?reveal=all shows it: a student who answered the pages'
# predictions sees the same views, and the load stays comparable with the reports before predictions
REVEAL = "reveal=all"

async def student(url: str, idx: int, until: float, think: float, rnd: Round) -> None:
    rng = random.Random(idx)
    s = StreamlitSession(url)
    try:
        await asyncio.sleep(rng.uniform(0, think))  # students arrive over a few seconds, not in lockstep
        await s.connect()
        await s.open_page("kv_memory", REVEAL)
        step = 0
        while time.monotonic() < until:
            kind = step % 4
            if kind == 0:
                text = f"Student {idx} wrote note {step}: the {rng.choice(WORDS)} near the {rng.choice(WORDS)} was"
                result = await s.set_text("kv.text", text)
            elif kind == 1:
                result = await s.set_slider("kv.layer", rng.randrange(30))
            elif kind == 2:
                await s.open_page("activations", REVEAL)
                result = await s.set_slider("act.d_ff", 16 * rng.randrange(1, 256))
            else:
                result = await s.open_page("kv_memory", REVEAL)
            rnd.latencies.append(result.seconds)
            rnd.finished_at.append(time.monotonic() - rnd.started)
            if result.seconds > 1.0:
                rnd.slowest.append((round(result.seconds, 2), ["new text", "layer", "activations", "open kv"][kind]))
            rnd.errors.extend(result.exceptions)
            step += 1
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    except Exception as err:  # a dropped connection or protocol error is a load-test error
        rnd.errors.append(f"session {idx}: {type(err).__name__}: {err}")
    finally:
        await s.close()


def browser_process(url: str, until: float, idx: int, results) -> None:
    """A real browser in a process of its own, so that its sync Playwright thread never competes
    with the protocol clients, which time every rerun, for this process's GIL."""
    rnd = Round(0, 1, 0)
    browser_student(url, until, rnd, idx)
    results.put((rnd.browser_latencies, rnd.errors))


def browser_student(url: str, until: float, rnd: Round, idx: int) -> None:
    from playwright.sync_api import sync_playwright

    from testkit.browser import open_page
    as_a_student()
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as scratch:
            browser = p.chromium.launch(executable_path=low_priority_chromium(Path(scratch)), headless=True,
                                        args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.on("dialog", lambda d: (rnd.errors.append(f"dialog: {d.message}"), d.dismiss()))
            open_page(page, f"{url}/kv_memory?{REVEAL}", charts=True)
            thumb = page.locator('[data-testid=stSlider] input[type=range][aria-label="Layer"]').first
            # the layer heatmap's data; null while Streamlit is swapping the chart element
            heatmap = "() => { const e = document.querySelectorAll('.js-plotly-plot')[1]; return e ? JSON.stringify(e.data) : null; }"
            presses = 0
            while presses == 0 or time.monotonic() < until:  # at least one change, even if opening took the round
                before = page.evaluate(heatmap)
                thumb.focus()
                start = time.perf_counter()
                thumb.press("ArrowRight" if presses % 2 == 0 else "ArrowLeft")  # back and forth: always a change
                presses += 1
                # done when the layer heatmap shows the new layer
                page.wait_for_function(f"b => {{ const now = ({heatmap})(); return now !== null && now !== b; }}",
                                       arg=before, polling=20, timeout=60_000)
                rnd.browser_latencies.append(time.perf_counter() - start)
                if page.locator("[data-testid=stException]").count():
                    rnd.errors.append("browser: exception element shown")
                page.wait_for_timeout(1500)
            browser.close()
    except Exception as err:
        rnd.errors.append(f"browser {idx}: {type(err).__name__}: {err}")


def rss_mb(proc: psutil.Process) -> float:
    """The memory the server and its children hold, as if nothing else ran: the server's resident
    set plus each child's unique pages (USS; the pages a trace worker shares with the server, the
    mapped model weights and the libraries, are the server's already). Not the proportional set
    size (PSS), which splits a shared page among every process that maps it: a benchmark process
    that had loaded the same model file lowered the server's PSS by a third of the weights (627 MB
    in the 2026-12-01 report, 969 MB for the same code measured alone; docs/performance.md)."""
    try:
        children = proc.children(recursive=True)
        total = proc.memory_info().rss
    except psutil.NoSuchProcess:
        return 0.0
    for p in children:
        try:
            total += p.memory_full_info().uss
        except psutil.NoSuchProcess:  # a child may exit while we count
            pass
    return total / 2**20


def trace_workers(server: psutil.Process) -> list[psutil.Process]:
    """The server's trace worker processes (python -m serving.trace_worker)."""
    return [p for p in server.children(recursive=True) if "serving.trace_worker" in p.cmdline()]


def run_round(url: str, server: psutil.Process, sessions: int, browsers: int, seconds: float, think: float) -> Round:
    rnd = Round(sessions, browsers, seconds, rss_start_mb=rss_mb(server), arrivals=think)
    until = time.monotonic() + seconds
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            rnd.rss_peak_mb = max(rnd.rss_peak_mb, rss_mb(server))
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    browser_procs = [spawn.Process(target=browser_process, args=(url, until, i, results)) for i in range(browsers)]
    for proc in browser_procs:
        proc.start()

    async def all_students() -> None:
        await asyncio.gather(*(student(url, i, until, think, rnd) for i in range(sessions)))

    # The students' event loop gets a thread of its own: the caller's thread may already run
    # one (Playwright's sync API keeps a loop running in the thread that started it). It keeps
    # normal priority: these clients are also the instrument that times every rerun.
    students = threading.Thread(target=asyncio.run, args=(all_students(),))
    students.start()
    students.join()
    for proc in browser_procs:
        try:
            latencies, errors = results.get(timeout=max(0.0, until - time.monotonic()) + 120)
            rnd.browser_latencies += latencies
            rnd.errors += errors
        except queue.Empty:
            rnd.errors.append("browser: no result within two minutes of the round's end")
    for proc in browser_procs:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    stop.set()
    sampler.join()
    time.sleep(3)  # the last reruns finish; memory after the sessions are dropped is measured in main()
    rnd.rss_end_mb = rss_mb(server)
    return rnd


def session_ttl() -> float:
    """How long the server keeps a closed session (our .streamlit/config.toml, else Streamlit's 120 s)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    return float(config.get("server", {}).get("disconnectedSessionTTL", 120))


def start_server() -> tuple[subprocess.Popen, str]:
    ARTIFACTS.mkdir(exist_ok=True)
    return start_streamlit(log=open(ARTIFACTS / "loadtest-server.log", "w"))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[4, 8, 13, 18, 28])
    ap.add_argument("--browsers", type=int, default=1, help="real Chromium sessions (each costs the server's CPU too)")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think", type=float, default=5.0, help="mean pause between a student's actions (s): "
                    "time to read what changed")
    ap.add_argument("--settle", type=float, default=None,
                    help="seconds to wait after the last round before measuring memory again "
                         "(default: the server's disconnectedSessionTTL + 10, when closed sessions are dropped)")
    ap.add_argument("--saturate", type=int, default=0, metavar="SESSIONS",
                    help="then this many sessions acting with no pause for 20 s, no browser: the most reruns per "
                         "second the server completes")
    args = ap.parse_args(argv)
    settle = session_ttl() + 10 if args.settle is None else args.settle
    proc, url = start_server()
    server = psutil.Process(proc.pid)
    try:
        warm = run_round(url, server, 1, 0, 8, args.think)  # loads the model, fills the first caches
        rounds = [run_round(url, server, n, args.browsers, args.seconds, args.think) for n in args.sessions]
        saturated = run_round(url, server, args.saturate, 0, SATURATE_SECONDS, 0.2) if args.saturate else None
        time.sleep(settle)
        rss_after_close = rss_mb(server)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    rows = [r.summary() for r in rounds]
    holding = [r["sessions"] + r["browsers"] for r in rows if r["p95_ms"] <= 1000 and r["errors"] == 0]
    per_replica = max(holding) if holding else 0
    growth = ((rows[-1]["rss_peak_mb"] - warm.rss_end_mb) / (rows[-1]["sessions"] + rows[-1]["browsers"])
              if rows else float("nan"))
    report = {"rounds": rows, "first_errors": [e for r in rounds for e in r.errors][:5],
              "slow_reruns": {r.sessions: sorted(r.slowest, reverse=True)[:8] for r in rounds}, "warm_rss_mb": warm.rss_end_mb, "sessions_per_replica_p95_1s": per_replica,
              "rss_growth_mb_per_session": growth,
              "rss_after_close_mb": rss_after_close,
              "saturated": saturated.summary() if saturated else None,
              "saturated_reruns_per_s": len(saturated.latencies) / SATURATE_SECONDS if saturated else None, "settle_seconds": settle, "think_seconds": args.think, "seconds": args.seconds,
              "replicas_for_class_of_30": math.ceil(30 / per_replica) if per_replica else None,
              "replicas_for_1000_concurrent": math.ceil(1000 / per_replica) if per_replica else None}
    print(f"Load test: {args.seconds:.0f} s per round, a student acts every ~{args.think:.0f} s "
          f"(new text, layer slider, activations slider, page switch); {args.browsers} real browsers alongside")
    print(f"  {'sessions':>8} {'reruns':>7} {'p50 ms':>8} {'p95 ms':>8} {'settled':>8} {'errors':>7} {'browser ms':>11} "
          f"{'RSS start':>10} {'peak':>7} {'end':>7}")
    for r in rows:
        b = f"{r['browser_median_ms']:.0f}" if r["browser_median_ms"] else "-"
        settled = f"{r['p95_settled_ms']:.0f}" if r["p95_settled_ms"] is not None else "-"
        print(f"  {r['sessions'] + r['browsers']:>8} {r['reruns']:>7} {r['p50_ms']:>8.0f} {r['p95_ms']:>8.0f} {settled:>8} "
              f"{r['errors']:>7} {b:>11} {r['rss_start_mb']:>8.0f}MB {r['rss_peak_mb']:>5.0f}MB {r['rss_end_mb']:>5.0f}MB")
    print(f"  (settled: p95 of the reruns that finished after the first {3 * args.think:.0f} s, once the students, "
          f"who arrive over {args.think:.0f} s, and the queue their first texts make are through)")
    if saturated:
        sat = report["saturated"]
        print(f"  throughput: {args.saturate} sessions acting with no pause for {SATURATE_SECONDS:.0f} s (no browser): "
              f"{report['saturated_reruns_per_s']:.1f} reruns/s (target ≥ 12), p50 {sat['p50_ms']:.0f} ms, "
              f"{sat['errors']} errors")
    print(f"  memory: {warm.rss_end_mb:.0f} MB after warm-up, growth ≈ {growth:.1f} MB per session at the peak, "
          f"{rss_after_close:.0f} MB {settle:.0f} s after the last session closed")
    if per_replica:
        print(f"  one replica holds {per_replica} sessions with p95 ≤ 1 s: a class of 30 needs "
              f"{report['replicas_for_class_of_30']} replica(s), 1,000 concurrent visitors "
              f"{report['replicas_for_1000_concurrent']}")
    else:
        print("  no round kept p95 ≤ 1 s with zero errors: try fewer sessions")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "loadtest.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
