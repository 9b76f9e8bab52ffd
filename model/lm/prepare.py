"""Warm FFN Lab's disk caches: the dequantised model and the built-in neuron dictionary.

`./run.sh app` and the Docker build run this once, so the first visitor does not wait.
Run: python -m model.lm.prepare
"""
from __future__ import annotations

import sys
import time

from model.lm import corpus, gguf_loader
from model.lm import neuron_dictionary as nd


def main() -> int:
    start = time.perf_counter()
    try:
        lm = gguf_loader.load()
    except gguf_loader.ModelUnavailable as err:
        print(f"prepare: {err}", file=sys.stderr)
        return 1
    print(f"prepare: model ready in {lm.seconds:.1f} s ({'cache' if lm.from_cache else 'read from GGUF'})")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 5 or done == total:
            last[0] = time.perf_counter()
            print(f"prepare: neuron dictionary {done:,} / {total:,} tokens", flush=True)

    d = nd.load_or_build(lm.model, lm.tokenizer, corpus.builtin_documents(), gguf_loader.cache_dir(), progress)
    print(f"prepare: dictionary of {d.n_tokens:,} tokens ready; done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
