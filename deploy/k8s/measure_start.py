"""How long the image takes to start, for the Deployment's startupProbe (Docker cannot run here).

Runs what the Dockerfile runs, with its ENV, from an empty model cache: its `RUN python -m
model.lm.prepare` (dequantise the GGUF and write the float32 cache, as the image build and the
shared-models Job do), then its CMD (`streamlit run app.py ...`) until /_stcore/health answers
"ok". Prints the seconds of each part and, with --record, writes them to deploy/k8s/start.json,
which tests/deploy/test_k8s.py checks the startupProbe's allowance against.

Run: .venv/bin/python -m deploy.k8s.measure_start [--runs 3] [--record]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deploy.dockerfile import instructions
from testkit import ROOT
from testkit.server import free_port, wait_healthy

RECORD = Path(__file__).with_name("start.json")


def one_start(cache: Path, tree: Path) -> dict[str, float]:
    """Seconds for prepare (empty cache) and for the CMD to a healthy /_stcore/health, both run as
    the Dockerfile of `tree` (a copy of the build context) says, with its ENV and /app read as `tree`,
    and this venv's python first on PATH as the image's is."""
    ins = instructions((tree / "Dockerfile").read_text())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "FFNLAB_CACHE": str(cache)}
    for args in (a for k, a in ins if k == "ENV"):
        env.update({k: v.replace("/app", str(tree)) for k, v in re.findall(r"(\w+)=(\S+)", args) if k != "FFNLAB_CACHE"})
    prepare = next(a for k, a in ins if k == "RUN" and "model.lm.prepare" in a)
    start = time.perf_counter()
    subprocess.run(prepare, shell=True, cwd=tree, env=env, check=True, capture_output=True, timeout=600)  # noqa: S602
    prepared = time.perf_counter() - start
    port = free_port()
    cmd = [a.replace("8501", str(port)) for a in json.loads(next(a for k, a in ins if k == "CMD"))]
    start = time.perf_counter()
    server = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, timeout=300)
        healthy = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"prepare_s": round(prepared, 2), "cmd_to_health_s": round(healthy, 2)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--record", action="store_true", help=f"write the result to {RECORD.relative_to(ROOT)}")
    ap.add_argument("--commit", default="HEAD", help="the commit whose files the image is built from "
                    "(a copy via git archive, so edits in progress in the work tree do not count)")
    args = ap.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(["git", "archive", args.commit], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", args.commit], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.strip()
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                runs.append(one_start(Path(cache), Path(tree)))
            print(f"prepare {runs[-1]['prepare_s']:.1f} s, then streamlit run -> healthy "
                  f"{runs[-1]['cmd_to_health_s']:.1f} s")
    worst = max(r["prepare_s"] + r["cmd_to_health_s"] for r in runs)
    record = {"command": "python -m deploy.k8s.measure_start --record", "commit": commit, "runs": runs,
              "slowest_total_s": round(worst, 2), "date": datetime.date.today().isoformat(),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "load_average_1min": round(os.getloadavg()[0], 2)}
    print(f"slowest start from an empty cache: {worst:.1f} s (load average {record['load_average_1min']})")
    if args.record:
        RECORD.write_text(json.dumps(record, indent=2) + "\n")
    return record


if __name__ == "__main__":
    main()
