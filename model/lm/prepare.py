"""Warm FFN Lab's disk cache (the dequantised model) and check the built-in neuron dictionary.

`./run.sh app` and the Docker build run this once, so the first visitor does not wait.
Run: python -m model.lm.prepare
"""
from __future__ import annotations

import sys
import time

from model.lm import build_dictionary, gguf_loader


def main() -> int:
    start = time.perf_counter()
    try:
        lm = gguf_loader.load()
    except gguf_loader.ModelUnavailable as err:
        print(f"prepare: {err}", file=sys.stderr)
        return 1
    print(f"prepare: model ready in {lm.seconds:.1f} s ({'cache' if lm.from_cache else 'read from GGUF'})")
    d = build_dictionary.load_builtin(lm.source)
    if d is None:
        print("prepare: no neuron dictionary ships for this model file; the dictionary page will build one "
              "(about 35 minutes), or run `python -m model.lm.build_dictionary` now", file=sys.stderr)
    else:
        print(f"prepare: neuron dictionary of {d.n_tokens:,} tokens ({', '.join(d.sources)})")
    lm.wait_for_cache()
    print(f"prepare: done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
