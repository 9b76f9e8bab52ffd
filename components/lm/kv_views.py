"""Cached computations behind the key-value memory page.

Traces are shared read-only between sessions with `st.cache_resource`; entries
are few and expire, because one 256-token trace holds ~140 MB of coefficients.
Each session also holds its own latest analyses (components/shared/held_values.py),
so a class's other texts never push out the one a student is looking at.
Every view takes the model's registry key first (see model_resource).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import streamlit as st

import serving
from components.lm import kv_figures
from model.architectures.transformer import ModelTrace
from model.lm import attribution as at
from model.lm import kv_memory as kv
from model.lm import logit_lens
from model.lm import readout as ro
from model.lm.interventions import ZeroWeight, edited
from model.lm.measures import DEFAULT_MEASURE, MEASURES
from serving import forward_pass
from serving import load_model as _load

TTL = 1800


@dataclass(frozen=True)
class Analysis:
    enc: kv.Encoded
    trace: ModelTrace


def analysis_bytes(a: Analysis) -> int:
    return sum(t.nbytes for t in (getattr(a.trace, f.name) for f in fields(a.trace)) if t is not None)


HELD = serving.Held[tuple[str, str], Analysis]("_held.kv_analyses", per_session=2, size=analysis_bytes)


def analysis(model_key: str, text: str) -> Analysis:
    """The text's tokens and trace, held for this session while it shows them."""
    return HELD.remember((model_key, text), lambda: _analysis(model_key, text))


@st.cache_resource(max_entries=6, ttl=TTL, show_spinner=False)
def _analysis(model_key: str, text: str) -> Analysis:
    lm = _load(model_key)
    enc = kv.encode(lm.tokenizer, text)
    return Analysis(enc, serving.trace(model_key, lm, enc.ids))


def token_labels(model_key: str, token_ids: list[int]) -> list[str]:
    tok = _load(model_key).tokenizer
    return [kv.token_text(tok, i) for i in token_ids]


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def predictions(model_key: str, text: str, position: int, k: int = 10):
    """Top-k next tokens after `position`: (ids and probabilities, their texts, a bar chart)."""
    a = analysis(model_key, text)
    preds = kv.top_k(kv.next_token_probs(_load(model_key).model, a.trace, position), k)
    labels = token_labels(model_key, [i for i, _ in preds])
    return preds, labels, kv_figures.predictions_bar(labels, [p for _, p in preds], f"Top {k} next tokens")


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def keys_heatmap(model_key: str, text: str, layer: int, k: int = 20):
    a = analysis(model_key, text)
    neurons = kv.most_active_neurons(a.trace, layer, k)
    coeffs = a.trace.coeffs[layer][:, neurons].T.numpy()
    return neurons, kv_figures.neuron_heatmap(coeffs, neurons, a.enc.pieces, layer)


@st.cache_resource(max_entries=64, ttl=TTL, show_spinner=False)
def value_reading(model_key: str, layer: int, neuron: int, sign: float, k: int = 10):
    r = ro.read_value(_load(model_key).model, layer, neuron, sign, k)
    return token_labels(model_key, [i for i, _ in r.promoted]), token_labels(model_key, [i for i, _ in r.suppressed]), r


@st.cache_resource(max_entries=128, ttl=TTL, show_spinner=False)
def readout_rank(model_key: str, layer: int, neuron: int, sign: float, token: int) -> int:
    """Where `token` stands in the neuron's value readout with that sign (a product with the whole
    unembedding: worth keeping while a student moves through the layers and back)."""
    return ro.readout_ranks(_load(model_key).model, [(layer, neuron)], [sign], token)[0]


def target_for(token: int, contrast: int | None, measure: str) -> at.Target:
    return at.Target(token, contrast, centred=MEASURES[measure].centred)


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def scores(model_key: str, text: str, position: int, token: int, contrast: int | None, measure: str):
    """(L, F): every neuron's score by `measure` (kept apart from `attribution`, which caches each k:
    a measure that runs the model again runs once per question, in a forward slot)."""
    m, lm, a = MEASURES[measure], _load(model_key), analysis(model_key, text)
    target = target_for(token, contrast, measure)
    if m.needs_pass:
        with forward_pass():
            return m.compute(lm.model, a.trace, a.enc.ids, position, target)
    return m.compute(lm.model, a.trace, a.enc.ids, position, target)


@dataclass(frozen=True)
class Attribution:
    target: at.Target
    measure: str
    rows: list[tuple[int, int, float, float]]  # (layer, neuron, score, coefficient m at the position)
    promoted: list[list[str]]  # each neuron's top tokens, with the sign of its m
    ranks: list[int]  # the target token's rank in each neuron's readout
    parts: at.DirectParts  # the direct parts of the explained quantity (always direct)
    explained: float  # the centred logit, raw logit or logit difference
    vocab: int
    figure: object

    @property
    def specific(self) -> int:
        """How many listed neurons rank the target in the top SPECIFIC of their readout."""
        return sum(ro.is_specific(r, self.vocab) for r in self.ranks)


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def attribution(model_key: str, text: str, position: int, token: int, contrast: int | None = None,
                measure: str = DEFAULT_MEASURE, k: int = 20) -> Attribution:
    """The top-k neurons by `measure` for `token` (rather than `contrast`) after `position`."""
    model, a, m = _load(model_key).model, analysis(model_key, text), MEASURES[measure]
    target = target_for(token, contrast, measure)
    parts = at.direct_parts(model, a.trace, position, target)
    sign = -1.0 if m.estimates_switch_off else 1.0  # such scores list the largest drops first
    top = ro.top_neurons(sign * scores(model_key, text, position, token, contrast, measure), k)
    rows = [(layer, n, sign * v, float(a.trace.coeffs[layer, position, n])) for layer, n, v in top]
    readouts = ro.signed_readouts(model, [(layer, n) for layer, n, _, _ in rows], [c for *_, c in rows])
    ranks = ro.ranks_of(readouts, token)
    promoted = [token_labels(model_key, p) for p in readouts.topk(5, dim=-1).indices.tolist()]
    figure = kv_figures.attribution_bar([f"L{layer} n{n}" for layer, n, _, _ in rows], [v for _, _, v, _ in rows],
                                        f"Neurons that wrote {kv.token_text(_load(model_key).tokenizer, token)!r}",
                                        m.axis.format(quantity=target.label, metric=at.metric_name(target)))
    return Attribution(target, measure, rows, promoted, ranks, parts,
                       at.explained_quantity(model, a.trace, position, target), model.cfg.vocab_size, figure)


def rank_verdict(rank: int, vocab: int) -> str:
    """'top 0.04%: specific' or 'top 3.6%: broad'."""
    verdict = "specific to it" if ro.is_specific(rank, vocab) else "broad, it writes a wider theme"
    return f"top {(rank + 1) / vocab:.2%}: {verdict}"


def attribution_summary(a: Attribution, target: str, contrast: str | None, position: int) -> str:
    """One paragraph saying what is measured and how the explained quantity adds up."""
    p = a.parts
    split = (f"the token embedding ({p.embedding:+.2f}), all attention layers ({float(p.attention.sum()):+.2f}) "
             f"and all FFN neurons ({float(p.ffn.sum()):+.2f})"
             + (f", with the final norm's bias ({p.norm_bias:+.2f})" if p.norm_bias else ""))
    if contrast is not None:
        name = f"the logit difference {target!r} − {contrast!r} ({a.explained:.2f})"
        why = f": why {target!r} rather than {contrast!r}"
    elif a.target.centred:
        name = f"the centred logit of {target!r} ({a.explained:.2f})"
        why = ": its logit minus the mean logit, since softmax ignores what lifts every token at once"
    else:
        name = f"the raw logit of {target!r} ({a.explained:.2f})"
        why = (". Beware: much of a raw logit lifts every token at once, which softmax ignores, so large last-layer "
               "neurons look important here")
    return MEASURES[a.measure].summary.format(
        neurons=p.neurons.numel(), position=position, target=target, quantity=a.target.label,
        metric=at.metric_name(a.target), explained=name + why, explained_name=name, split=split)


def specificity_summary(a: Attribution, target: str) -> str:
    ranks = sorted(a.ranks)
    median = ranks[len(ranks) // 2] + 1
    return (f"**{a.specific} of these {len(a.rows)} neurons are specific to {target!r}**: it stands in the top "
            f"{ro.SPECIFIC:.0%} of what they write. For the others it ranks lower (median rank {median:,} of "
            f"{a.vocab:,}): they are broad and write a wider theme, which their promoted tokens show.")


def lens_summary(lens, target: str) -> str:
    """When the token first becomes the top guess (and stays), and which half of the blocks wrote it."""
    # the first stage from which the final top guess stays on top
    stays = next(i for i in range(len(lens.top)) if all(t == lens.top[-1] for t in lens.top[i:]))
    where = (f"becomes the top guess after **{lens.stages[stays]}** and stays there" if int(lens.rank[-1]) == 0
             else f"ends at rank {int(lens.rank[-1]) + 1:,}")
    return (f"Read through the final norm and unembedding after every sub-layer, {target!r} {where}. Of its centred "
            f"logit, the FFNs wrote **{float(lens.ffn.sum()):+.1f}** and attention **{float(lens.attention.sum()):+.1f}** "
            f"(the embedding {lens.embedding:+.1f}). Hover over the points for the top guess at each stage.")


def top_neuron(model_key: str, text: str, position: int, token: int) -> tuple[int, int]:
    """The neuron with the largest direct effect on `token`'s centred logit: where the page opens."""
    layer, neuron, _, _ = attribution(model_key, text, position, token).rows[0]
    return layer, neuron


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def ablation_check(model_key: str, text: str, position: int, token: int, contrast: int | None,
                   neurons: tuple[tuple[int, int], ...]) -> tuple[float, float, float, float]:
    """Switch `neurons` off for real: (metric before, after, p(token) before, after)."""
    ids = analysis(model_key, text).enc.ids
    with forward_pass():
        return at.ablate(_load(model_key).model, ids, position, at.Target(token, contrast), list(neurons))


@dataclass(frozen=True)
class WritersOff:
    """The prediction after a text's last token, the neurons that wrote most of it, and its
    probability before and after switching them all off."""
    label: str  # the predicted token's text
    attr: Attribution  # its top writers (direct effect on the centred logit)
    p0: float
    p1: float

    @property
    def n(self) -> int:
        return len(self.attr.rows)


def writers_off(model_key: str, text: str, k: int = 10) -> WritersOff:
    """Switch off the k neurons that wrote most of the prediction after `text`: the tour's step 7
    view and its prediction share this one computation (each part a cached call of this module)."""
    position = len(analysis(model_key, text).enc.ids) - 1
    preds, labels, _ = predictions(model_key, text, position)
    attr = attribution(model_key, text, position, preds[0][0], k=k)
    _, _, p0, p1 = ablation_check(model_key, text, position, preds[0][0], None,
                                  tuple((layer, n) for layer, n, _, _ in attr.rows))
    return WritersOff(labels[0], attr, p0, p1)


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def ranking_comparison(model_key: str, text: str, position: int, token: int,
                       k: int = 10) -> list[tuple[str, float, float]]:
    """Which ranking finds the neurons that matter: for each measure, p(token) before and
    after switching off its top k."""
    out = []
    for measure in MEASURES.values():
        rows = attribution(model_key, text, position, token, None, measure.name, k).rows
        neurons = tuple((layer, n) for layer, n, _, _ in rows[:k])
        _, _, p0, p1 = ablation_check(model_key, text, position, token, None, neurons)
        out.append((measure.label, p0, p1))
    return out


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def lens_view(model_key: str, text: str, position: int, token: int):
    """The logit lens for `token` at `position`, and its figure."""
    a, tok = analysis(model_key, text), _load(model_key).tokenizer
    lens = logit_lens.lens(_load(model_key).model, a.trace, position, token)
    figure = kv_figures.lens_figure(lens, token_labels(model_key, lens.top), kv.token_text(tok, token))
    return lens, figure


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def intervene(model_key: str, text: str, position: int, neurons: tuple[tuple[int, int], ...], factor: float,
              layers_off: tuple[int, ...], k: int = 10, weights: tuple[ZeroWeight, ...] = ()):
    """Before and after scaling `neurons` by `factor`, removing `layers_off` and zeroing single
    down_proj `weights` (in this call's view of the model only)."""
    model, a = _load(model_key).model, analysis(model_key, text)
    scales = kv.switch_off(list(neurons), model.cfg.d_ff, factor, layers_off)
    with forward_pass():
        after_trace = kv.run(edited(model, weights), a.enc.ids, scales)
    before = kv.next_token_probs(model, a.trace, position)
    after = kv.next_token_probs(model, after_trace, position)
    ids = list(dict.fromkeys([i for i, _ in kv.top_k(before, k)] + [i for i, _ in kv.top_k(after, k)]))
    figure = kv_figures.before_after(token_labels(model_key, ids), before[ids].tolist(), after[ids].tolist())
    return figure, kv.top_k(before, 1)[0], kv.top_k(after, 1)[0]


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def division_of_labour(model_key: str, text: str):
    """The figure of update sizes, the losses, and the top 5 guesses after the last token without
    any FFN and without any attention."""
    a = analysis(model_key, text)
    with forward_pass():
        labour = kv.division_of_labour(_load(model_key).model, a.trace, a.enc.ids)
    guesses = tuple(kv.top_k(r.next_probs, 5) for r in (labour.without_ffn, labour.without_attention))
    return kv_figures.update_norms(labour.attention_sizes.numpy(), labour.ffn_sizes.numpy()), labour, guesses


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def two_contexts(model_key: str, text_a: str, text_b: str, word: str, k: int = 15):
    a, b = analysis(model_key, text_a), analysis(model_key, text_b)
    pa, pb = kv.find_token(a.enc.pieces, word), kv.find_token(b.enc.pieces, word)
    if pa is None or pb is None:
        return None
    return kv.context_difference(a.trace, pa, b.trace, pb, k)
