"""Real-model figures: our forward vs transformers', model load, analysis latency, memory.

Run: .venv/bin/python -m bench.model_speed   (needs ./run.sh test installed: transformers, chromium)
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from bench.page_reruns import ROOT

N_TOKENS = 64
TEXTS = [f"Story {i}: the traveller from {city} counted {i * 7} coins and walked to the market, where the "
         f"baker, the smith and the weaver were arguing about the price of bread, iron and wool in the old "
         f"town of {city} on a cold morning." for i, city in enumerate(
             ["Paris", "Lyon", "Rome", "Oslo", "Lima", "Kyiv", "Cairo", "Quito", "Delhi", "Hanoi", "Seoul", "Accra"])]


def paired_median_ms(a, b, n: int = 12) -> tuple[float, float]:
    """Median times of a and b, run alternately so machine noise hits both alike."""
    a(), b()
    ta, tb = [], []
    for _ in range(n):
        for fn, out in ((a, ta), (b, tb)):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(ta), statistics.median(tb)


def forward_vs_transformers() -> dict:
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging

    from model.lm import gguf_loader
    logging.set_verbosity_error()
    lm = gguf_loader.load()
    path = gguf_loader.find_gguf()
    start = time.perf_counter()
    hf = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32).eval()
    hf_load = time.perf_counter() - start
    ids = torch.tensor([lm.tokenizer.encode(" ".join(TEXTS)).ids[:N_TOKENS]])
    with torch.inference_mode():
        diff = float((lm.model(ids)[0] - hf(ids).logits[0]).abs().max())
        ours, theirs = paired_median_ms(lambda: lm.model(ids), lambda: hf(ids).logits)
        ours_last, theirs_last = paired_median_ms(lambda: lm.model.trace(ids[0], logits="last"),
                                                  lambda: hf(ids, logits_to_keep=1).logits)
    return {"tokens": N_TOKENS, "max_abs_logit_diff": diff, "ours_ms": ours, "transformers_ms": theirs,
            "ratio": ours / theirs, "ours_trace_last_ms": ours_last, "transformers_last_ms": theirs_last,
            "ratio_last": ours_last / theirs_last, "transformers_gguf_load_s": hf_load}


LOAD_SNIPPET = ("import json, time; t = time.perf_counter(); from model.lm import gguf_loader; "
                "i = time.perf_counter() - t; lm = gguf_loader.load(); "
                "print(json.dumps({'import_s': i, 'seconds': lm.seconds, 'from_cache': lm.from_cache}))")


def load_in_fresh_process() -> dict:
    """Import of our loader plus load(), in a new interpreter: first without our cache, then with it."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "FFNLAB_CACHE": cache}
        for label in ("cold_from_gguf", "from_cache"):
            res = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], cwd=ROOT, env=env, capture_output=True,
                                 text=True, check=True)
            out[label] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def analysis_latency() -> dict:
    """AppTest runs of the key-value page (default view): a new 64-token text, then a new layer."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("lessons/kv_memory.py")
    at.run()
    new_text, new_layer = [], []
    for i, text in enumerate(TEXTS[1:11]):
        at.text_area(key="kv.text").input(text)
        start = time.perf_counter()
        at.run()
        new_text.append((time.perf_counter() - start) * 1000)
        at.slider(key="kv.layer").set_value((i * 3 + 1) % 30)
        start = time.perf_counter()
        at.run()
        new_layer.append((time.perf_counter() - start) * 1000)
        assert not at.exception
    return {"new_text_median_ms": statistics.median(new_text), "new_layer_median_ms": statistics.median(new_layer)}


def server_memory() -> dict:
    """Resident memory of a real `streamlit run` server with its children (loadtest.run.rss_mb: the
    server's RSS and each trace worker's own pages, whoever else maps the model file): idle; after a browser
    opens the key-value page, which loads the model, analyses the default text and starts the
    trace worker (measured once the worker has loaded its copy); and the largest figure while
    the browser then visits every page of the app in turn."""
    import psutil
    from playwright.sync_api import sync_playwright

    from components.shared.registry import PAGES
    from loadtest.run import rss_mb, trace_workers
    from testkit.browser import CHROMIUM_ARGS, chromium_path, open_page
    from testkit.server import start_streamlit

    proc, url = start_streamlit()
    server = psutil.Process(proc.pid)
    try:
        idle = rss_mb(server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            open_page(page, f"{url}/kv_memory", charts=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not trace_workers(server):
                time.sleep(0.5)
            time.sleep(5)  # it imports torch and maps the model
            loaded = rss_mb(server)
            every_page = []
            for info in PAGES:
                open_page(page, f"{url}/{info.url_path}")
                every_page.append(rss_mb(server))
            browser.close()
        return {"idle_mb": idle, "loaded_mb": loaded, "every_page_max_mb": max(every_page)}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> dict:
    results = {"forward": forward_vs_transformers(), "load": load_in_fresh_process(), "analysis": analysis_latency(),
               "memory": server_memory()}
    f, ld, an = results["forward"], results["load"], results["analysis"]
    print(f"Forward, {f['tokens']} tokens, all-position logits: ours {f['ours_ms']:.0f} ms, transformers "
          f"{f['transformers_ms']:.0f} ms, ratio {f['ratio']:.2f} (target ≤ 0.80); max |Δlogit| {f['max_abs_logit_diff']:.1e}")
    print(f"Forward for the analysis (last-position logits): ours {f['ours_trace_last_ms']:.0f} ms, transformers "
          f"(logits_to_keep=1) {f['transformers_last_ms']:.0f} ms, ratio {f['ratio_last']:.2f}")
    print(f"Model load in a fresh process (after {ld['from_cache']['import_s']:.1f} s importing torch): from the GGUF "
          f"{ld['cold_from_gguf']['seconds']:.2f} s, from our cache {ld['from_cache']['seconds']:.2f} s (target ≤ 5 s); "
          f"transformers' GGUF load {f['transformers_gguf_load_s']:.1f} s")
    print(f"Server resident memory (server RSS + its trace worker's own pages): {results['memory']['idle_mb']:.0f} MB before the model, "
          f"{results['memory']['loaded_mb']:.0f} MB with it loaded and one analysis done (target ≤ 900 MB), "
          f"at most {results['memory']['every_page_max_mb']:.0f} MB while a browser then visits every page")
    print(f"Key-value page: new {N_TOKENS}-token text {an['new_text_median_ms']:.0f} ms (target ≤ 500), "
          f"new layer {an['new_layer_median_ms']:.0f} ms (target ≤ 100)")
    return results


if __name__ == "__main__":
    main()
