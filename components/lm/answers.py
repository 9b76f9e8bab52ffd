"""The figures that settle the real-model pages' predictions (content/predictions.py), each computed
on the bundled SmolLM2-135M by the same cached view function that draws the view it settles, on
the example the page opens with, so the reveal reuses the view's cache (and the view the reveal's):
each cached call is made with the arguments the view passes, as it passes them (Streamlit keys an
entry by the arguments as given, defaults left out)."""
from __future__ import annotations

from components.lm import anatomy_views, concept_views, explanation_views, kv_views
from content.examples import ANATOMY_EXAMPLE, KV_EXAMPLES
from content.predictions import Truth
from model.lm import concepts, readout
from model.lm.registry import BUNDLED
from serving import load_model

KV_TEXT = KV_EXAMPLES[0]  # "The capital of France is": the key-value page's default text
RANK_BOUNDS = (1, 10, 100, 1000)  # the rank options of kv-top-writer-rank: first, top 10, top 100, top 1,000, below
SUPER_WEIGHT_RATIOS = (1.1, 2.0, 10.0)  # the perplexity options of anatomy-super-weight: < 1.1×, < 2×, < 10×, more


def paris_question() -> tuple[int, int]:
    """The key-value page's default question: the last position of its example and the token it
    predicts there (' Paris')."""
    position = len(kv_views.analysis(BUNDLED, KV_TEXT).enc.ids) - 1
    preds, _, _ = kv_views.predictions(BUNDLED, KV_TEXT, position)
    return position, preds[0][0]


def band(value: float, bounds: tuple[float, ...]) -> int:
    """The index of the first bound `value` lies below (len(bounds) when above them all)."""
    return next((i for i, b in enumerate(bounds) if value < b), len(bounds))


def kv_top_writer_rank() -> Truth:
    """Where ' Paris' stands in what the neuron that wrote most of it writes, as the keys view reads
    it (the neuron it opens on, its value read with the sign of its coefficient)."""
    position, token = paris_question()
    layer, neuron = kv_views.top_neuron(BUNDLED, KV_TEXT, position, token)
    m = float(kv_views.analysis(BUNDLED, KV_TEXT).trace.coeffs[layer, position, neuron])
    sign = 1.0 if m >= 0 else -1.0
    rank = kv_views.readout_rank(BUNDLED, layer, neuron, sign, token)
    promoted, _, _ = kv_views.value_reading(BUNDLED, layer, neuron, sign)
    vocab = load_model(BUNDLED).config.vocab_size
    return Truth(band(rank, RANK_BOUNDS), {
        "layer": str(layer), "neuron": str(neuron), "rank": f"{rank + 1:,}", "vocab": f"{vocab:,}",
        "promotes": ", ".join(repr(t) for t in promoted[:4]), "verdict": kv_views.rank_verdict(rank, vocab)})


def stage_words(stage: str) -> str:
    """'L24 FFN' -> "layer 24's FFN" (a logit-lens stage in words)."""
    layer, _, part = stage.partition(" ")
    return f"layer {layer[1:]}'s {part}" if part else f"the {stage}"


def kv_paris_lens() -> Truth:
    """The layer whose attention or FFN first puts ' Paris' on top of the logit lens (the lens view's
    figure), with its rank halfway up and where it enters the top 100."""
    position, token = paris_question()
    lens, _ = kv_views.lens_view(BUNDLED, KV_TEXT, position, token)
    ranks = [int(r) for r in lens.rank]
    first = next(i for i, r in enumerate(ranks) if r == 0)  # a stage: 0 is the embedding, then 2 per layer
    top100 = next(i for i, r in enumerate(ranks) if r < 100)
    n_layers = len(lens.ffn)
    mid = n_layers // 2 - 1
    return Truth((first - 1) // 2, {
        "stage": stage_words(lens.stages[first]) + (", the model's very last sub-layer" if first == len(ranks) - 1
                                                     else ""), "top100": stage_words(lens.stages[top100]), "mid": str(mid),
        "mid_rank": f"{ranks[2 * mid + 2] + 1:,}", "p": f"{float(lens.prob[-1]):.0%}", "layers": str(n_layers),
        "vocab": f"{load_model(BUNDLED).config.vocab_size:,}"})


def kv_paris_ffn_share() -> Truth:
    """The FFN neurons' direct share of ' Paris's centred logit, as the attribution view splits it."""
    position, token = paris_question()
    # called as the attribution view calls it: a cache entry is keyed by the arguments as passed
    attr = kv_views.attribution(BUNDLED, KV_TEXT, position, token, None, kv_views.DEFAULT_MEASURE)
    p = attr.parts
    ffn, attention = float(p.ffn.sum()), float(p.attention.sum())
    return Truth(round(100 * ffn / attr.explained, 1), {
        "explained": f"{attr.explained:.1f}", "ffn": f"{ffn:+.1f}", "attention": f"{attention:+.1f}",
        "embedding": f"{p.embedding:+.1f}", "neurons": f"{p.neurons.numel():,}"})


def tour_paris_ablation() -> Truth:
    """p(' Paris') with the neurons that wrote most of it switched off: the tour's step 7 view."""
    f = kv_views.writers_off(BUNDLED, KV_TEXT)  # as the tour's step 7 view calls it
    cfg = load_model(BUNDLED).config
    return Truth(round(100 * f.p1, 1), {"p0": f"{f.p0:.0%}", "p1": f"{f.p1:.1%}", "n": str(f.n),
                                         "all": f"{cfg.n_layers * cfg.d_ff:,}", "specific": f"{f.attr.specific} of them rank{'s' if f.attr.specific == 1 else ''} it",
                                         "top": f"{readout.SPECIFIC:.0%}",
                                         "token": repr(f.label)})


def anatomy_super_weight() -> Truth:
    """Perplexity with the super weight zeroed, against the model as it is and against zeroing the
    layer's next-largest and random weights: the anatomy page's zeroing table on its default text."""
    _, cand = anatomy_views.spikes(BUNDLED, ANATOMY_EXAMPLE)
    texts, label = anatomy_views.held_out_texts(BUNDLED)
    study = anatomy_views.zeroing(BUNDLED, ANATOMY_EXAMPLE, tuple(tuple(t) for t in texts))
    base = study.base.perplexity
    by_kind = {kind: [r.scores.perplexity for r in study.rows if r.kind == kind]
               for kind in ("super weight", "large weight", "random weight")}
    zeroed = by_kind["super weight"][0]
    w = cand.weight
    return Truth(band(zeroed / base, SUPER_WEIGHT_RATIOS), {
        "base": f"{base:,.0f}", "zeroed": f"{zeroed:,.0f}", "ratio": f"{zeroed / base:,.1f}",
        "large": " and ".join(f"{x:,.0f}" for x in by_kind["large weight"]),
        "random": " and ".join(f"{x:,.0f}" for x in by_kind["random weight"]),
        "texts": label, "weight": f"layer {w.layer}'s W_down[{w.row}, {w.col}]"})


def dict_explained_share() -> Truth:
    """The share of lines naming none of their neuron's strongest held-out firings, as the dictionary
    page's trust section computes it, with the scores and baselines its reveal quotes."""
    lm = load_model(BUNDLED)
    s = explanation_views.summary(lm, explanation_views.of_model(lm))
    signed = lambda x: f"{x:+.2f}".replace("-0.00", "+0.00")  # noqa: E731
    return Truth(round(100 * s.none_held_out, 1), {
        "neurons": f"{s.neurons:,}", "lines": f"{s.lines:,}", "none": f"{s.none_held_out:.1%}",
        "coverage": f"{s.held_out_coverage:.0%}", "card": f"{s.card_coverage:.0%}",
        "top_random": signed(s.median_top_random), "shuffled": signed(s.shuffled_top_random),
        "lookup": signed(s.lookup_top_random), "random_init": signed(s.random_init_top_random)})


def concepts_months_depth() -> Truth:
    """Which third of the layers holds most of the neurons whose value vectors write months most
    strongly (the concept search's table for months); the last option when no third holds most."""
    hits, _, _ = concept_views.search(BUNDLED, tuple(concepts.CONCEPTS["months"]))  # as the page calls it
    n_layers = load_model(BUNDLED).config.n_layers
    thirds = [sum(3 * h.layer // n_layers == t for h in hits) for t in range(3)]
    most = max(range(3), key=thirds.__getitem__)
    bounds = [(t * n_layers // 3, (t + 1) * n_layers // 3 - 1) for t in range(3)]
    return Truth(most if 2 * thirds[most] > len(hits) else 3, {
        "k": str(len(hits)), "layers": str(n_layers), "first": str(thirds[0]), "middle": str(thirds[1]),
        "last": str(thirds[2]), "last_range": f"{bounds[2][0]}–{bounds[2][1]}",
        "middle_range": f"{bounds[1][0]}–{bounds[1][1]}", "lowest": str(min(h.layer for h in hits))})
