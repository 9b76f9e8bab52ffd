"""Gemma 3 270M, the second real model: its load from the GGUF file and from our cache, a 64-token
forward pass, and what it costs a server to hold it beside SmolLM2 (the key-value page's "Two
models" view).

Each load runs in a fresh interpreter (`RUNS` times, the median reported): from the GGUF into an
empty cache folder, then from the cache that load wrote. The forward passes run in one more
interpreter per torch thread count: the trace a new text gets on the key-value page (every layer's
coefficients, the last position's logits) and a plain forward with all positions' logits (the
figure bench.model_speed gives for SmolLM2; with a 262,144-token vocabulary most of its work is the
unembedding). Servers run one torch thread (deploy/server.env); two are measured beside it.

Run: .venv/bin/python -m bench.gemma3   (about 3 minutes; under `flock /tmp/ffnlab-cpu.lock` on a shared machine)
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.model_speed import N_TOKENS, TEXTS
from bench.page_reruns import ROOT

RUNS = 3
TARGETS = {"gguf_s": 10.0, "cache_s": 1.0, "forward_ms": 400.0}

# one load in a fresh interpreter: its wall time (lm.seconds) and the CPU time of all its threads (on a machine
# whose cores other work holds, wall time waits for them and CPU time does not)
LOAD = ("import json, resource, sys, time; t = time.perf_counter(); from pathlib import Path; "
        "from model.lm import gguf_loader; i = time.perf_counter() - t; "
        "cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2]); c = cpu(); "
        "lm = gguf_loader.load(Path(sys.argv[1]), tokenizer=sys.argv[2] == '1'); ready, c = lm.seconds, cpu() - c; "
        "t = time.perf_counter(); lm.wait_for_cache(); "
        "print(json.dumps({'import_s': i, 'seconds': ready, 'cpu_s': c, 'from_cache': lm.from_cache, "
        "'cache_written_s': time.perf_counter() - t}))")

FORWARD = """
import json, statistics, sys, time, torch
from pathlib import Path
from model.lm import gguf_loader, kv_memory as kv
lm = gguf_loader.load(Path(sys.argv[1]))
ids = lm.tokenizer.encode(sys.argv[2]).ids[:int(sys.argv[3])]
def median_ms(fn, n=7):
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter(); fn(); times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times
with torch.inference_mode():
    trace, trace_all = median_ms(lambda: kv.run(lm.model, ids))
    full, full_all = median_ms(lambda: lm.model(torch.tensor([ids])))
print(json.dumps({"tokens": len(ids), "threads": torch.get_num_threads(), "trace_ms": trace, "trace_runs": trace_all,
                  "full_logits_ms": full, "full_runs": full_all}))
"""


def _child(code: str, *args: str, threads: int, cache: str) -> dict:
    env = {**os.environ, "FFNLAB_CACHE": cache, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def loads(path: str, threads: int) -> dict:
    """RUNS loads from the GGUF (each into an empty cache folder), then RUNS from the last one's cache."""
    gguf, cached, passes_only = [], [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as cache:
            gguf.append(_child(LOAD, path, "1", threads=threads, cache=cache))
            assert not gguf[-1]["from_cache"]
            if len(gguf) == RUNS:
                cached = [_child(LOAD, path, "1", threads=threads, cache=cache) for _ in range(RUNS)]
                passes_only = [_child(LOAD, path, "0", threads=threads, cache=cache) for _ in range(RUNS)]
                assert all(c["from_cache"] for c in cached + passes_only)
    return {"gguf_s": statistics.median(r["seconds"] for r in gguf), "gguf_runs": [r["seconds"] for r in gguf],
            "cache_written_s": statistics.median(r["cache_written_s"] for r in gguf),
            "cache_s": statistics.median(r["seconds"] for r in cached), "cache_runs": [r["seconds"] for r in cached],
            "cache_without_tokenizer_s": statistics.median(r["seconds"] for r in passes_only),
            "gguf_cpu_s": statistics.median(r["cpu_s"] for r in gguf), "cache_cpu_s": statistics.median(r["cpu_s"] for r in cached),
            "import_s": statistics.median(r["import_s"] for r in cached)}


def server_memory() -> dict:
    """Memory (as bench.model_speed.server_memory: the server's RSS and its trace workers' own pages,
    loadtest.run.rss_mb) of a real server after a browser opens the key-value page (SmolLM2 loaded,
    one analysis, its trace worker), then its "Two models" view (Gemma 3 270M loaded beside it, one
    analysis, a second trace worker); and the resident memory (RSS) of each process."""
    import psutil
    from playwright.sync_api import sync_playwright

    from loadtest.run import rss_mb, trace_workers
    from testkit.browser import CHROMIUM_ARGS, chromium_path, open_page
    from testkit.server import start_streamlit

    def settled(server, workers: int) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(trace_workers(server)) < workers:
            time.sleep(0.5)
        time.sleep(5)  # a worker imports torch and maps its model

    def rss(server) -> dict:
        return {("trace worker " + p.cmdline()[-2].rsplit("/", 1)[-1] if p in trace_workers(server) else "server"):
                p.memory_info().rss / 2**20 for p in [server, *server.children(recursive=True)]}

    proc, url = start_streamlit()
    server = psutil.Process(proc.pid)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            open_page(page, f"{url}/kv_memory", charts=True)
            settled(server, 1)
            one, one_rss = rss_mb(server), rss(server)
            open_page(page, f"{url}/kv_memory?view=compare", charts=True)
            settled(server, 2)
            two, two_rss = rss_mb(server), rss(server)
            browser.close()
        return {"one_model_mb": one, "two_models_mb": two, "second_model_mb": two - one, "rss_one": one_rss,
                "rss_two": two_rss}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def loading_stall() -> dict:
    """How long another session waits while one opens the "Two models" view on a fresh server (Gemma 3
    270M loaded from our cache beside SmolLM2, and its analyses): bench.concurrency's measure."""
    from bench.concurrency import slides_during

    return slides_during(lambda a: a.open_page("kv_memory", "view=compare"), slides=12)  # A's first visit


def main(memory: bool = True) -> dict:
    from model.lm import gemma3_package

    path = str(gemma3_package.gguf_path())
    out = {"load": {}, "forward": {}}
    text = " ".join(TEXTS)
    for threads in (1, 2):
        out["load"][threads] = loads(path, threads)
        with tempfile.TemporaryDirectory() as cache:  # written once, then the forward's process loads it
            _child(LOAD, path, "1", threads=threads, cache=cache)
            out["forward"][threads] = _child(FORWARD, path, text, str(N_TOKENS), threads=threads, cache=cache)
    print(f"Gemma 3 270M (Q4_K_M, 262,144-token vocabulary), median of {RUNS} fresh processes each:")
    for threads in (1, 2):
        ld, fw = out["load"][threads], out["forward"][threads]
        ok = {k: "ok" if v <= TARGETS[k] else "MISSED" for k, v in
              (("gguf_s", ld["gguf_s"]), ("cache_s", ld["cache_s"]), ("forward_ms", fw["trace_ms"]))}
        print(f"  {threads} torch thread{'s' if threads > 1 else ''}: load from the GGUF {ld['gguf_s']:.2f} s "
              f"(runs {', '.join(f'{s:.2f}' for s in ld['gguf_runs'])}; {ld['gguf_cpu_s']:.1f} s of CPU on its threads; "
              f"target ≤ 10 s) {ok['gguf_s']}, from our cache {ld['cache_s']:.2f} s "
              f"(runs {', '.join(f'{s:.2f}' for s in ld['cache_runs'])}; {ld['cache_cpu_s']:.2f} s of CPU; "
              f"target ≤ 1 s) {ok['cache_s']}, of which the tokenizer all but "
              f"{ld['cache_without_tokenizer_s']:.2f} s (a trace worker's load); after {ld['import_s']:.1f} s importing "
              "torch")
        print(f"    {fw['tokens']}-token forward as the key-value page runs it (trace, last-position logits): "
              f"{fw['trace_ms']:.0f} ms (target ≤ 400 ms) {ok['forward_ms']}; with all positions' logits "
              f"{fw['full_logits_ms']:.0f} ms (median of 7)")
    out["stall"] = stall = loading_stall()
    during = [r["ms"] for r in stall["reruns"] if r["during"]]
    print(f"  Another session's slider reruns while one opens the 'Two models' view on a fresh server (Gemma 3 from "
          f"our cache, {stall['seconds']:.1f} s): {len(during)} of {len(stall['reruns'])} ran during it, the slowest "
          f"{max(during, default=float('nan')):.0f} ms, the median {statistics.median(during) if during else float('nan'):.0f} ms")
    if memory:
        out["memory"] = server_memory()
        m = out["memory"]
        print(f"  Server memory (server RSS + its trace workers' own pages): {m['one_model_mb']:.0f} MB with SmolLM2 and one analysis, "
              f"{m['two_models_mb']:.0f} MB after the key-value page's 'Two models' view loads Gemma 3 270M beside it "
              f"(+{m['second_model_mb']:.0f} MB); RSS per process: "
              + ", ".join(f"{k} {v:.0f} MB" for k, v in m["rss_two"].items()))
    return out


if __name__ == "__main__":
    main(memory="--no-memory" not in sys.argv)
