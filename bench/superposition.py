"""The superposition lesson's live training (issue 31: ≤ 5 s per setting): the page's largest
settings, the whole sparsity sweep of the toy model (n = 32 features into m = 10 dimensions) and the
absolute-value model computing in superposition (16 features, 16 neurons), on one torch thread as a
server runs them (deploy/server.env). Wall time and CPU time, median of 3; on a shared machine the
wall clock also counts other processes' turns, so both are printed.

Run: .venv/bin/python -m bench.superposition
"""
from __future__ import annotations

import statistics
import time

import torch

from model.demos import superposition as sp

TARGET_S = 5.0
CASES = {
    "toy model sweep, n = 32, m = 10": lambda: sp.train_sweep(32, 10, 0.9),
    "computation in superposition, 16 features, 16 neurons": lambda: sp.train_abs(16, 16, 0.9),
}


def timed(fn, runs: int = 3) -> tuple[float, float]:
    """Median wall and CPU seconds of `fn` over `runs` runs."""
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def main() -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        print(f"Superposition lesson: training per setting, one torch thread (target <= {TARGET_S:g} s)")
        out = {}
        for name, fn in CASES.items():
            wall, cpu = timed(fn)
            out[name] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}
            print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU  {'ok' if wall <= TARGET_S else 'MISSED'}")
        return out
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    main()
