"""Replicas and resources for hosting FFN Lab, computed from the load test's recorded figures.

`python -m loadtest.run` saves artifacts/loadtest.json, whose `sessions_per_replica_p95_1s` is how
many students one 2-core replica holds with p95 ≤ 1 s. deploy/loadtest-figures.json keeps that
figure (and the memory figures) from the run the README reports, with where each came from;
everything a host needs to size a course is computed here from it, and the tests check that the
Kubernetes manifests and the sizing table in docs/hosting.md and the README are what this computes.

Run: python -m deploy.sizing                          print the sizing table (markdown)
     python -m deploy.sizing --record artifacts/loadtest.json
                                                      take the figures of a new load-test run
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

FIGURES = Path(__file__).with_name("loadtest-figures.json")
ENV_FILE = Path(__file__).parent / "settings" / "ffnlab.env"
CLASS_SIZES = (30, 100, 300, 1000)
MIB_STEP = 64  # memory is requested in whole 64 MiB steps (the load test's "MB" are MiB: bytes / 2**20)


def load_figures(path: Path = FIGURES) -> dict:
    return json.loads(path.read_text())


def replicas(students: int, per_replica: int) -> int:
    """Replicas so that no replica serves more students than the load test saw it hold at p95 ≤ 1 s."""
    if per_replica < 1:
        raise ValueError("the load test found no round with p95 ≤ 1 s: no students-per-replica figure to size from")
    return math.ceil(students / per_replica)


def sizing_table(figures: dict, sizes: tuple[int, ...] = CLASS_SIZES) -> list[tuple[int, int]]:
    """(concurrent students, replicas) for each class size."""
    return [(n, replicas(n, figures["sessions_per_replica_p95_1s"])) for n in sizes]


def markdown_table(figures: dict) -> str:
    """The table docs/hosting.md and the README show, exactly."""
    rows = "\n".join(f"| {n:,} | {r} |" for n, r in sizing_table(figures))
    return "| students at once | replicas (2 cores each) |\n|---|---|\n" + rows


def _mib(mb: float) -> int:
    return MIB_STEP * math.ceil(mb / MIB_STEP)


def settings(path: Path = ENV_FILE) -> dict[str, str]:
    """NAME=value lines of an env file (as docker compose and kustomize read it: # comments, no quotes)."""
    pairs = (ln.split("=", 1) for ln in path.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def memory_budget_mb(figures: dict, env: dict[str, str]) -> float:
    """The most a replica may come to: warm (model loaded, worker started), the analyses sessions may
    hold (FFNLAB_HELD_TRACES_MB), one extra model of the bundled size and that model's trace worker."""
    return (figures["warm_rss_mb"] + int(env["FFNLAB_HELD_TRACES_MB"]) + figures["extra_model_mb"]
            + figures["trace_worker_own_mb"])


def resources(figures: dict, env: dict[str, str] | None = None) -> dict:
    """A replica's container resources. CPU: the cores the load test's replica had, as request and limit.
    Memory request: the highest peak measured with the trace worker (a class at 40 + 2, or a browser
    visiting every page). Memory limit: memory_budget_mb, or that peak plus an extra model and its
    worker if larger."""
    env = settings() if env is None else env
    peak = max(figures["rss_peak_mb"], figures["memory_every_page_peak_mb"])
    limit = max(memory_budget_mb(figures, env), peak + figures["extra_model_mb"] + figures["trace_worker_own_mb"])
    cpu = str(figures["cores"])
    return {"requests": {"cpu": cpu, "memory": f"{_mib(peak)}Mi"},
            "limits": {"cpu": cpu, "memory": f"{_mib(limit)}Mi"}}


def hpa_cpu_percent(figures: dict) -> int:
    """The CPU utilisation (of the request) at which a replica serves as many students as it holds at
    p95 ≤ 1 s: those students' reruns per second (one every think time) as a share of the most the
    replica completes (the load test's saturated round, same mix of actions)."""
    asked = figures["sessions_per_replica_p95_1s"] / figures["think_seconds"]
    return round(100 * asked / figures["saturated_reruns_per_s"])


def record(loadtest_json: Path, path: Path = FIGURES) -> dict:
    """Take a new load-test run's figures (artifacts/loadtest.json) into the record."""
    report = json.loads(loadtest_json.read_text())
    if not report.get("sessions_per_replica_p95_1s"):
        raise ValueError(f"{loadtest_json}: no round kept p95 ≤ 1 s with zero errors; nothing to size from")
    figures = load_figures(path)
    figures.update(sessions_per_replica_p95_1s=report["sessions_per_replica_p95_1s"],
                   think_seconds=report["think_seconds"], warm_rss_mb=round(report["warm_rss_mb"]),
                   rss_peak_mb=round(max(r["rss_peak_mb"] for r in report["rounds"])))
    if report.get("saturated_reruns_per_s"):
        figures["saturated_reruns_per_s"] = round(report["saturated_reruns_per_s"], 1)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record", type=Path, metavar="LOADTEST_JSON", help="take a load-test run's figures first")
    args = ap.parse_args(argv)
    try:
        figures = record(args.record) if args.record else load_figures()
    except (OSError, ValueError, KeyError) as err:
        print(f"sizing: {err}", file=sys.stderr)
        return 1
    print(f"From `{figures['command']}`: one replica holds {figures['sessions_per_replica_p95_1s']} students "
          f"with p95 ≤ 1 s.\n")
    print(markdown_table(figures))
    res = resources(figures)
    print(f"\nper replica: requests {res['requests']}, limits {res['limits']}; "
          f"HPA target {hpa_cpu_percent(figures)}% CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
