"""Figures for the anatomy page (the super weight, massive activations, kinds of neurons), and what
it finds on the bundled SmolLM2-135M.

- the weight-only statistics of every neuron, computed from scratch (target ≤ 2 min, then cached);
- the super-weight search on a prompt (one forward pass and the spikes; target ≤ 60 s), and the
  perplexity ratio of zeroing it against the layer's other largest weights and random ones;
- the massive activations on the prompt;
- the page's first render in AppTest with the statistics cached (target ≤ 2 s).

Run: .venv/bin/python -m bench.anatomy
"""
from __future__ import annotations

import time

import numpy as np
import torch

PROMPT = "My favourite condiment is mustard. The capital of France is"


def main() -> dict:
    from model.lm import build_dictionary, gguf_loader, massive, neuron_kinds, super_weight
    from testkit.apptest import run_page

    lm = gguf_loader.load()
    d = build_dictionary.load_builtin(lm.source)
    start = time.perf_counter()
    stats = neuron_kinds.weight_stats(lm.model, neuron_kinds.token_log_frequency(d.ids, lm.config.vocab_size))
    stats_s = time.perf_counter() - start
    masks = neuron_kinds.kinds(stats, np.maximum(np.abs(d.peak), np.abs(d.trough)))
    counts = {kind: int(mask.sum()) for kind, mask in masks.items()}
    print(f"Weight-only statistics for all {stats.norm.size:,} neurons: {stats_s:.1f} s (target ≤ 120 s)   "
          f"{'ok' if stats_s <= 120 else 'MISSED'}")
    print("  kinds: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    ids = lm.tokenizer.encode(PROMPT).ids
    start = time.perf_counter()
    with torch.inference_mode():
        trace = lm.model.trace(torch.tensor(ids))
        spikes = super_weight.down_proj_spikes(lm.model, trace)
    cand = super_weight.candidate(lm.model, spikes)
    search_s = time.perf_counter() - start
    out = {"weight_stats_s": stats_s, "kinds": counts, "search_s": search_s}
    if cand is None:
        print(f"Super-weight search: {search_s:.2f} s; no layer's output spikes on the prompt")
    else:
        texts = neuron_kinds.held_out(d.ids, d.doc_starts)
        base, rows = super_weight.zeroing_study(lm.model, texts, cand)
        ratios = {f"{r.kind} W[{r.weight.row},{r.weight.col}]": r.scores.perplexity / base.perplexity for r in rows}
        w = cand.weight
        print(f"Super-weight search: {search_s:.2f} s (target ≤ 60 s): layer {w.layer}, W_down[{w.row}, {w.col}] = "
              f"{cand.value:+.3f}, output spike {cand.out_ratio:,.0f}× the median layer's")
        print(f"  perplexity on {len(texts)} corpus documents ({base.tokens:,} predicted tokens): {base.perplexity:.1f}; "
              + "; ".join(f"{k} ×{v:.2f}" for k, v in ratios.items()))
        out.update(candidate=[w.layer, w.row, w.col], perplexity=base.perplexity, ratios=ratios)
    found = massive.find(trace)
    print("Massive activations on the prompt: " + ("none" if not found else "; ".join(
        f"dim {m.dim} on token {m.position} after layers {m.first_layer}-{m.last_layer}, {m.value:+,.0f} "
        f"({m.ratio:,.0f}× the median)" for m in found[:4])))
    out["massive"] = [(m.dim, m.position, m.first_layer, m.value, m.ratio) for m in found]

    run_page("anatomy", timeout=300)  # fills the caches: the model, the statistics, the analysis
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run_page("anatomy", timeout=300, text=f"{PROMPT} {len(times)}")  # a new text: its own pass
        times.append(time.perf_counter() - start)
    first = float(np.median(times))
    print(f"Anatomy page, first render of a new text with the statistics cached: median {first:.2f} s "
          f"(target ≤ 2 s)   {'ok' if first <= 2 else 'MISSED'}")
    out["first_render_s"] = first
    return out


if __name__ == "__main__":
    main()
