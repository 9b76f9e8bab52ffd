"""One benchmark report with every figure FFN Lab promises, and the machine it ran on.

Run: .venv/bin/python -m bench.report   (after ./run.sh test has installed everything; about 20 minutes)
"""
from __future__ import annotations

import datetime
import json
import os
import platform

import psutil
import torch

from bench import (anatomy, architectures, concurrency, dictionary_build, explanations, gemma3, insight, model_speed,
                   page_reruns, superposition)
from loadtest import classroom as class_load
from loadtest import run as loadtest
from testkit import ARTIFACTS


def machine() -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    return {"date": datetime.date.today().isoformat(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}


def main() -> dict:
    m = machine()
    print(f"FFN Lab benchmark report, {m['date']}: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
          f"Python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads), no GPU\n")
    report = {"machine": m, "pages": page_reruns.main()}
    print()
    report["model"] = model_speed.main()
    print()
    report["gemma3"] = gemma3.main()
    print()
    report["insight"] = insight.main()
    print()
    report["anatomy"] = anatomy.main()
    print()
    report["architectures"] = architectures.main()
    print()
    report["superposition"] = superposition.main()
    print()
    report["concurrency"] = concurrency.main()
    print()
    report["explanations"] = explanations.main()  # issue 30's targets, for both shipped models
    print()
    report["explanations_gemma3"] = explanations.main(["--model", "gemma3-270m"])
    print()
    report["dictionary_build"] = dictionary_build.main()  # sampled: about 5 minutes
    print()
    # the sweep, then the issue-12 case: 40 students and 2 real browsers on one server, then saturation
    report["load"] = loadtest.main(["--sessions", "9", "19", "29", "40", "--browsers", "2", "--saturate", "40"])
    print()
    # class mode (issue 32): 40 students in one room on one server (SQLite), on 2 replicas sharing a
    # PostgreSQL (target: answer round trip p95 <= 500 ms, counts exact, 0 errors), and 10 rooms of 40 on
    # 2 replicas (target: 0 errors, every count exact); each run's report says whether it met its own
    report["class_load"] = [class_load.main(args) for args in
                            (["--students", "40"], ["--students", "40", "--replicas", "2"],
                             ["--students", "40", "--replicas", "2", "--rooms", "10", "--arrive", "60"])]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bench-report.json").write_text(json.dumps(report, indent=2, default=str))
    return report


if __name__ == "__main__":
    main()
