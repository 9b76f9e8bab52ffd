"""Figures for the real-model insight views: are the neurons we show specific, do they matter,
and are the views fast enough.

- On each of the key-value page's examples: how many of the top 20 neurons by the default
  attribution (direct effect on the centred logit) rank the predicted token in the top 1% of
  their own readout, against the raw-logit ranking; and p(token) after switching off the top 10
  by total effect and by raw direct effect.
- Gradient × activation for all neurons against the forward pass it comes with (paired medians).
- Loading the shipped neuron dictionary; a concept search.

Run: .venv/bin/python -m bench.insight
"""
from __future__ import annotations

import statistics
import time

import torch

from bench.model_speed import TEXTS, paired_median_ms
from content.examples import KV_EXAMPLES as EXAMPLES
from model.lm import readout as ro


def examples() -> list[dict]:
    from model.lm import attribution as at
    from model.lm import gguf_loader
    from model.lm import kv_memory as kv

    lm = gguf_loader.load()
    model, vocab = lm.model, lm.config.vocab_size
    rows = []
    for text in EXAMPLES:
        ids = lm.tokenizer.encode(text).ids
        pos = len(ids) - 1
        trace = kv.run(model, ids)
        token = int(kv.next_token_probs(model, trace, pos).argmax())
        row = {"text": text, "token": kv.token_text(lm.tokenizer, token)}
        for name, target in (("centred", at.Target(token)), ("raw", at.Target(token, centred=False))):
            top = ro.top_neurons(at.direct_parts(model, trace, pos, target).neurons, 20)
            ranks = ro.readout_ranks(model, [(la, n) for la, n, _ in top],
                                     [float(trace.coeffs[la, pos, n]) for la, n, _ in top], token)
            row[f"specific_{name}"] = sum(ro.is_specific(r, vocab) for r in ranks)
            row[f"off_{name}"] = at.ablate(model, ids, pos, target, [(la, n) for la, n, _ in top[:10]])[3]
        effects, _ = at.total_effects(model, ids, pos, at.Target(token))
        worst = [(la, n) for la, n, _ in ro.top_neurons(-effects, 10)]
        row["p"], row["off_total"] = at.ablate(model, ids, pos, at.Target(token), worst)[2:]
        rows.append(row)
    return rows


def gradient_cost() -> list[dict]:
    """Paired medians of the analysis forward and of gradient × activation on the same ids."""
    from model.lm import attribution as at
    from model.lm import gguf_loader
    from model.lm import kv_memory as kv

    lm = gguf_loader.load()
    out = []
    for label, ids in (("6-token example", lm.tokenizer.encode(EXAMPLES[0]).ids),
                       ("64-token text", lm.tokenizer.encode(" ".join(TEXTS)).ids[:64])):
        target = at.Target(int(kv.next_token_probs(lm.model, kv.run(lm.model, ids), len(ids) - 1).argmax()))
        fwd, grad = paired_median_ms(lambda: kv.run(lm.model, ids),
                                     lambda: at.total_effects(lm.model, ids, len(ids) - 1, target), n=8)
        out.append({"label": label, "forward_ms": fwd, "gradient_ms": grad, "ratio": grad / fwd})
    return out


def dictionary_and_search() -> dict:
    from model.lm import build_dictionary, concepts, gguf_loader

    lm = gguf_loader.load()
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        d = build_dictionary.load_builtin(lm.source)
        loads.append(time.perf_counter() - start)
    start = time.perf_counter()
    stats = concepts.readout_stats(lm.model)
    stats_s = time.perf_counter() - start
    searches = []
    for words in concepts.CONCEPTS.values():
        ids, _, _ = concepts.concept_tokens(lm.tokenizer, words)
        start = time.perf_counter()
        concepts.search(lm.model, stats, ids)
        searches.append((time.perf_counter() - start) * 1000)
    return {"dictionary_tokens": d.n_tokens if d else 0, "load_s": statistics.median(loads), "stats_s": stats_s,
            "search_ms": statistics.median(searches), "search_max_ms": max(searches)}


def main() -> dict:
    torch.set_num_threads(torch.get_num_threads())
    rows, cost, dict_search = examples(), gradient_cost(), dictionary_and_search()
    print("Attribution on the key-value page's examples (top 20 neurons; 'specific' = the predicted token is in the "
          "top 1% of the neuron's own readout; target ≥ 10 of 20 by the default ranking)")
    for r in rows:
        ok = "ok" if r["specific_centred"] >= 10 else "MISSED"
        print(f"  {r['text']!r:<40} → {r['token']!r:<8} specific: centred {r['specific_centred']:2d}/20 {ok:<6} "
              f"(raw logit {r['specific_raw']:2d}/20)")
    print("Switching off the top 10 (target: by total effect lowers p more than by raw direct effect, every example)")
    for r in rows:
        ok = "ok" if r["off_total"] < r["off_raw"] else "MISSED"
        print(f"  {r['text']!r:<40} p {r['p']:6.1%} → by total effect {r['off_total']:6.1%}, by raw direct "
              f"{r['off_raw']:6.1%}, by centred direct {r['off_centred']:6.1%}   {ok}")
    for c in cost:
        ok = "ok" if c["ratio"] <= 2.0 else "MISSED"
        print(f"Gradient × activation, all 46,080 neurons, {c['label']}: {c['gradient_ms']:.0f} ms vs its forward "
              f"{c['forward_ms']:.0f} ms, ratio {c['ratio']:.2f} (target ≤ 2)   {ok}")
    ds = dict_search
    print(f"Neuron dictionary ({ds['dictionary_tokens']:,} tokens) loaded in {ds['load_s'] * 1000:.0f} ms (target ≤ 1 s); "
          f"concept search {ds['search_ms']:.0f} ms median, {ds['search_max_ms']:.0f} ms at most (target ≤ 300), after "
          f"{ds['stats_s']:.1f} s once per server for every neuron's readout statistics")
    return {"examples": rows, "gradient": cost, "dictionary_and_search": ds}


if __name__ == "__main__":
    main()
