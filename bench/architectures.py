"""Every architecture the loader runs: load and forward time on the tests' tiny files and on the
bundled SmolLM2, and the key-value page's rerun with a second model loaded beside the bundled one.

Run: .venv/bin/python -m bench.architectures   (after ./run.sh test has installed everything)
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from bench import page_reruns
from bench.model_speed import N_TOKENS, TEXTS
from model.lm.registry import slug
from testkit.gguf_files import write_gemma, write_gpt2, write_llama

# the tests' tiny random files of each architecture (file name: writer)
FILES = {
    "Tiny-Llama.gguf": lambda p: write_llama(p),
    "Tiny-Qwen2.gguf": lambda p: write_llama(p, arch="qwen2", qkv_bias=True, pre="qwen2"),
    "Tiny-GPT2.gguf": lambda p: write_gpt2(p),
    "Tiny-Llama-SentencePiece.gguf": lambda p: write_llama(p, sentencepiece=True),
    "Tiny-Gemma.gguf": lambda p: write_gemma(p),
    "Tiny-Gemma2.gguf": lambda p: write_gemma(p, arch="gemma2"),
}


def _forward_ms(lm, runs: int = 10) -> float:
    ids = torch.tensor([lm.tokenizer.encode(" ".join(TEXTS)).ids[:N_TOKENS]])
    with torch.inference_mode():
        lm.model(ids)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            lm.model(ids)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def load_and_forward(folder: Path) -> list[dict]:
    """Per file: the load from the GGUF (no cache), its parameters, and a 64-token forward."""
    from model.lm import gguf_loader

    rows = []
    for path in [None, *sorted(folder.glob("*.gguf"))]:
        start = time.perf_counter()
        lm = gguf_loader.load(path, use_cache=False)
        seconds = time.perf_counter() - start
        rows.append({"model": lm.config.name, "ffn": f"{lm.config.ffn_kind} {lm.config.activation}", "load_s": seconds,
                     "parameters": sum(p.numel() for p in lm.model.parameters()), "forward_ms": _forward_ms(lm)})
    return rows


def reruns_beside_a_second_model(folder: Path) -> list[dict]:
    """The key-value page's neuron input on each tiny model (`?model=`), in a process that has the
    bundled model loaded too (the tiny files' caches are written beside the bundled one's)."""
    from serving import offered

    os.environ["FFNLAB_MODELS"] = str(folder)
    offered.clear()
    page_reruns.measure(page_reruns.MODEL_CASES[1], reruns=2)  # the bundled model on the shelf first
    rows = []
    for path in sorted(folder.glob("*.gguf")):
        key = slug(path.stem)
        case = page_reruns.Case("kv_memory", f"neuron input, model={key}",
                                lambda at, i: at.number_input(key="kv.neuron").set_value(i), (("model", key),))
        times = page_reruns.measure(case)
        rows.append({"control": case.control, "median_ms": statistics.median(times)})
    bundled = page_reruns.measure(page_reruns.MODEL_CASES[1])  # and the bundled model's page again
    rows.append({"control": "neuron input, the bundled model", "median_ms": statistics.median(bundled)})
    return rows


def main() -> dict:
    saved = os.environ.get("FFNLAB_MODELS")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, write in FILES.items():
            write(folder / name)
        try:
            loads = load_and_forward(folder)
            reruns = reruns_beside_a_second_model(folder)
        finally:  # what runs next in this process (the load test's servers) sees the environment as it was
            if saved is None:
                os.environ.pop("FFNLAB_MODELS", None)
            else:
                os.environ["FFNLAB_MODELS"] = saved
    print(f"Architectures: load from the GGUF (no cache) and a {N_TOKENS}-token forward")
    for r in loads:
        print(f"  {r['model']:<24} {r['ffn']:<16} {r['parameters']:>12,} parameters   "
              f"load {r['load_s']:5.2f} s   forward {r['forward_ms']:6.1f} ms")
    print(f"Key-value page rerun with a second model loaded beside the bundled one "
          f"(target ≤ {page_reruns.TARGET_MS:.0f} ms median)")
    for r in reruns:
        ok = "ok" if r["median_ms"] <= page_reruns.TARGET_MS else "OVER"
        print(f"  kv_memory       {r['control']:<34} median {r['median_ms']:6.1f} ms   {ok}")
    return {"loads": loads, "reruns": reruns}


if __name__ == "__main__":
    main()
