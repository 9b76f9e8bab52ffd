"""Median script time of a page rerun after one control changes (AppTest, 20 reruns).

Each rerun sets the control to a value not seen before, so caches do not hide the
work a real user triggers. Run: .venv/bin/python -m bench.page_reruns

Scripts are compiled once, as a server does (`server_script_cache`); `--compile-each-run` measures as
AppTest does by itself (every rerun parses and compiles app.py and the page again), as the figures in
docs/performance.md before 2026-12-08 01:00 were measured.
"""
from __future__ import annotations

import itertools
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable

from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from testkit import ROOT
from testkit.stats import percentile

RERUNS = 20
TARGET_MS = 100.0
# 20 different sets of activation names, so no rerun is served from the figure cache
SUBSETS = [list(c) for n in (2, 3) for c in itertools.combinations(
    ["relu", "gelu", "gelu_tanh", "silu", "leaky_relu", "relu2", "none"], n)][:RERUNS]


@dataclass(frozen=True)
class Case:
    page: str
    control: str  # what changes between reruns
    change: Callable[[AppTest, int], None]
    query: tuple[tuple[str, str], ...] = ()  # URL parameters the page opens with


CASES = [
    Case("home", "none (plain rerun)", lambda at, i: None),
    Case("activations", "d_ff slider", lambda at, i: at.slider(key="act.d_ff").set_value(512 + 16 * i)),
    Case("activations", "activations multiselect",
         lambda at, i: at.multiselect(key="act.activations").set_value(SUBSETS[i])),
    Case("budget", "n_layers input", lambda at, i: at.number_input(key="budget.n_layers").set_value(2 + i)),
    Case("budget", "d_model input (gpt2-small)",
         lambda at, i: at.number_input(key="budget.d_model").set_value(768 + 12 * (i + 1))),
    Case("why_ffn", "attention weight slider", lambda at, i: at.slider(key="why.w_cat").set_value(0.05 * (i % 20))),
    Case("why_ffn", "collapse d_ff (no retraining)", lambda at, i: at.slider(key="why.c_d_ff").set_value(40 + i)),
    Case("positionwise", "sequence length slider", lambda at, i: at.slider(key="pos.seq").set_value(2 + (i % 15))),
    Case("block", "d_model slider", lambda at, i: at.slider(key="block.d_model").set_value(64 + 8 * i)),
    Case("gating", "seed input (new token)", lambda at, i: at.number_input(key="glu.seed").set_value(i + 1)),
    Case("moe", "experts slider", lambda at, i: at.slider(key="moe.n_experts").set_value(2 + i)),
    # the quiz's questions are forms (components/shared/predict.py): choosing an option before locking it in
    Case("quiz", "choose an option", lambda at, i: at.radio(key="predict.quiz-share.input").set_value(i % 4),
         (("reveal", "off"),)),
    Case("tour", "next/previous step", lambda at, i: at.button(key="tour.next" if i % 6 < 3 else "tour.prev").click()),
]
XOR_CASE = Case("why_ffn", "XOR hidden width (retrains)", lambda at, i: at.slider(key="why.hidden").set_value(9 + i))
# the real-model pages: controls that reuse the cached analysis of the text
MODEL_CASES = [
    Case("kv_memory", "attribution measure (cached)",
         lambda at, i: at.segmented_control(key="kv.measure").set_value(("direct", "total", "raw")[i % 3]),
         (("view", "attribution"),)),
    Case("kv_memory", "neuron input (keys view)", lambda at, i: at.number_input(key="kv.neuron").set_value(100 + i)),
    Case("concept_neurons", "concept pills", lambda at, i: at.pills(key="concepts.concept").set_value(
        ("months", "days", "numbers", "pronouns", "countries", "capital cities", "past-tense verbs")[i % 7])),
    Case("neurons", "neuron input (card)", lambda at, i: at.number_input(key="dict.neuron").set_value(10 + i)),
]
SWITCH_OFF_CASE = Case("kv_memory", "switch-off count (runs the model)",
                       lambda at, i: at.slider(key="kv.k_off").set_value(1 + i % 20), (("view", "attribution"),))


def server_script_cache() -> None:
    """Reuse compiled scripts across reruns, as a server does. Its Runtime holds one ScriptCache for
    every session, so a page's source is parsed and compiled once per server; AppTest makes a new
    cache for every run, which adds each rerun the compile time of app.py and the page (magic's AST
    pass included): 8 ms for the budget page, 15 ms for the key-value page, and more as a page grows."""
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def measure(case: Case, reruns: int = RERUNS, cpu: list[float] | None = None) -> list[float]:
    """Wall ms of each rerun; with `cpu`, the process's CPU ms of each too (appended to it), which
    other jobs on a shared machine move far less than the wall time."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["reveal"] = "all"  # the views behind predictions are drawn, as a learner sees them once answered
    for name, value in case.query:
        at.query_params[name] = value
    at.switch_page(f"lessons/{case.page}.py")
    at.run()  # first run: imports, caches warm for unrelated controls
    times = []
    for i in range(reruns):
        case.change(at, i)
        start, start_cpu = time.perf_counter(), time.process_time()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert not at.exception, at.exception
    return times


def xor_default_run_ms(runs: int = 10) -> float:
    """The default XOR training (8 hidden, 300 steps) by itself: what every retrain costs."""
    from model.demos.xor import train

    train()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        train()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(compile_each_run: bool = False) -> list[dict]:
    if not compile_each_run:
        server_script_cache()
    rows = []
    for case in CASES + MODEL_CASES + [XOR_CASE, SWITCH_OFF_CASE]:
        cpu: list[float] = []
        times = measure(case, cpu=cpu)
        rows.append({"page": case.page, "control": case.control, "median_ms": statistics.median(times),
                     "p90_ms": percentile(times, 0.9), "cpu_median_ms": statistics.median(cpu)})
    print(f"Page rerun after one control change (AppTest, {RERUNS} reruns each, scripts "
          f"{'compiled every run' if compile_each_run else 'compiled once'}; target ≤ {TARGET_MS:.0f} ms median)")
    for r in rows:
        apart = {XOR_CASE.control: "(trains a network; measured apart)",
                 SWITCH_OFF_CASE.control: "(a forward pass per new count; measured apart)"}.get(r["control"])
        ok = apart or ("ok" if r["median_ms"] <= TARGET_MS else "OVER")
        print(f"  {r['page']:<15} {r['control']:<34} median {r['median_ms']:6.1f} ms   p90 {r['p90_ms']:6.1f} ms   "
              f"CPU median {r['cpu_median_ms']:6.1f} ms   {ok}")
    print(f"XOR training, default run (8 hidden units, 300 full-batch Adam steps): median {xor_default_run_ms():.0f} ms")
    return rows


if __name__ == "__main__":
    main(compile_each_run="--compile-each-run" in sys.argv[1:])
