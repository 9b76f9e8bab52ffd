"""Does a model of 1.7 B parameters load on this machine, and at what cost? A GGUF file shaped like
SmolLM2-1.7B (24 layers, d_model 2048, d_ff 8192, float16, random weights) is written to a
temporary folder, then loaded in fresh processes: first from the GGUF, then from our cache.

Run: .venv/bin/python -m bench.large_model   (about 3 minutes; needs 11 GB of free disk)
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.page_reruns import ROOT
from testkit.gguf_files import write_llama

SHAPE = dict(n_layers=24, d_model=2048, n_heads=32, n_kv_heads=32, d_ff=8192)  # SmolLM2-1.7B's
# one fresh process: load (from the GGUF or our cache), a 64-token forward, its peak memory
SNIPPET = ("import json, resource, sys, time, torch; from pathlib import Path; from model.lm import gguf_loader; "
           "t = time.perf_counter(); lm = gguf_loader.load(Path(sys.argv[1])); load = time.perf_counter() - t; "
           "lm.wait_for_cache(); ids = torch.arange(64)[None]; "
           "torch.inference_mode().__enter__(); lm.model(ids); t = time.perf_counter(); lm.model(ids); "
           "print(json.dumps({'from_cache': lm.from_cache, 'load_s': load, 'forward_ms': (time.perf_counter() - t) * 1000, "
           "'parameters': sum(p.numel() for p in lm.model.parameters()), "
           "'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")


def main() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "SmolLM2-1.7B-shaped.F16.gguf"
        start = time.perf_counter()
        write_llama(path, name="SmolLM2-1.7B-shaped", dtype=np.float16, **SHAPE)
        written = time.perf_counter() - start
        env = {"FFNLAB_CACHE": str(Path(tmp) / "cache"), "OMP_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"}
        runs = [json.loads(subprocess.run([sys.executable, "-c", SNIPPET, str(path)], cwd=ROOT, env=env, check=True,
                                          capture_output=True, text=True).stdout.strip().splitlines()[-1])
                for _ in range(2)]
    print(f"A SmolLM2-1.7B-shaped GGUF ({runs[0]['parameters']:,} parameters, float16, written in {written:.0f} s)")
    for r in runs:
        print(f"  load from {'our cache' if r['from_cache'] else 'the GGUF'}: {r['load_s']:5.1f} s, "
              f"peak resident memory {r['peak_rss_mb']:,.0f} MB, then a 64-token forward {r['forward_ms']:,.0f} ms")
    return runs


if __name__ == "__main__":
    main()
