"""Cached computations behind the key-value memory page.

Traces are shared read-only between sessions with `st.cache_resource`; entries
are few and expire, because one 256-token trace holds ~140 MB of coefficients.
Each session also holds its own latest analyses (components/shared/held_values.py),
so a class's other texts never push out the one a student is looking at.
Every view takes the model's registry key first (see model_resource).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.lm import kv_figures
from components.lm.model_resource import FORWARDS, _load, forward_pass, trace_worker
from components.shared.held_values import HeldValues
from components.shared.script_slots import SCRIPTS
from model.architectures.transformer import ModelTrace
from model.lm import attribution as at
from model.lm import kv_memory as kv
from model.lm import logit_lens
from model.lm.gguf_loader import LoadedModel
from serving.trace_worker import WorkerUnavailable

TTL = 1800


@dataclass(frozen=True)
class Analysis:
    enc: kv.Encoded
    trace: ModelTrace


def analysis_bytes(a: Analysis) -> int:
    return sum(t.nbytes for t in (getattr(a.trace, f.name) for f in fields(a.trace)) if t is not None)


# A 14-token trace holds 9.5 MB, so a class of 40 short texts fits twice over; 256-token texts
# (170 MB each) beyond the budget are only cached, as before.
HELD = HeldValues[tuple[str, str], Analysis]("_held.kv_analyses", per_session=2,
                                             budget_bytes=int(os.environ.get("FFNLAB_HELD_TRACES_MB", 1024)) * 2**20,
                                             size=analysis_bytes)


def analysis(model_key: str, text: str) -> Analysis:
    """The text's tokens and trace, held for this session while it shows them."""
    key = (model_key, text)
    a = HELD.get(key)
    if a is None:
        a = _analysis(model_key, text)
    HELD.hold(key, a, st.session_state if get_script_run_ctx(suppress_warning=True) else None)
    return a


@st.cache_resource(max_entries=6, ttl=TTL, show_spinner=False)
def _analysis(model_key: str, text: str) -> Analysis:
    lm = _load(model_key)
    enc = kv.encode(lm.tokenizer, text)
    with SCRIPTS.lent():  # this script waits for a pass: other scripts may run meanwhile
        return Analysis(enc, _trace(model_key, lm, enc.ids))


def _trace(model_key: str, lm: LoadedModel, ids: list[int]) -> ModelTrace:
    """The text's trace from the trace worker, or from this process while the worker starts or
    if it is gone; either way texts waiting together share one pass."""
    worker = trace_worker(model_key, lm)
    if worker is not None:
        try:
            return worker.trace(ids)
        except WorkerUnavailable:
            pass  # it stopped: this process computes, as it did before the worker started
    return FORWARDS.run(model_key, ids, lambda batch: kv.run_many(lm.model, batch), size=len(ids))


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
    r = kv.read_value(_load(model_key).model, layer, neuron, sign, k)
    return token_labels(model_key, [i for i, _ in r.promoted]), token_labels(model_key, [i for i, _ in r.suppressed]), r


@st.cache_resource(max_entries=128, ttl=TTL, show_spinner=False)
def readout_rank(model_key: str, layer: int, neuron: int, sign: float, token: int) -> int:
    """Where `token` stands in the neuron's value readout with that sign (a product with the whole
    unembedding: worth keeping while a student moves through the layers and back)."""
    return at.readout_ranks(_load(model_key).model, [(layer, neuron)], [sign], token)[0]


MEASURES = {"direct": "Direct effect on the centred logit", "total": "Total effect (gradient × activation)",
            "raw": "Direct effect on the raw logit"}
SPECIFIC = at.SPECIFIC


def target_for(token: int, contrast: int | None, measure: str) -> at.Target:
    return at.Target(token, contrast, centred=measure != "raw")


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def total_effects(model_key: str, text: str, position: int, token: int, contrast: int | None):
    """(L, F) estimated change of the metric if each neuron were switched off, and the metric."""
    ids = analysis(model_key, text).enc.ids
    with forward_pass():
        return at.total_effects(_load(model_key).model, ids, position, at.Target(token, contrast))


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
        return sum(r < SPECIFIC * self.vocab for r in self.ranks)


@st.cache_resource(max_entries=32, ttl=TTL, show_spinner=False)
def attribution(model_key: str, text: str, position: int, token: int, contrast: int | None = None,
                measure: str = "direct", k: int = 20) -> Attribution:
    """The top-k neurons by `measure` for `token` (rather than `contrast`) after `position`."""
    model, a = _load(model_key).model, analysis(model_key, text)
    target = target_for(token, contrast, measure)
    parts = at.direct_parts(model, a.trace, position, target)
    if measure == "total":
        effects, _ = total_effects(model_key, text, position, token, contrast)
        rows = [(layer, n, -v) for layer, n, v in at.top_neurons(-effects, k)]  # the largest drops first
    else:
        rows = at.top_neurons(parts.neurons, k)
    rows = [(layer, n, v, float(a.trace.coeffs[layer, position, n])) for layer, n, v in rows]
    readouts = at.signed_readouts(model, [(layer, n) for layer, n, _, _ in rows], [m for *_, m in rows])
    ranks = at.ranks_of(readouts, token)
    promoted = [token_labels(model_key, p) for p in readouts.topk(5, dim=-1).indices.tolist()]
    x_title = {"direct": f"direct effect on the {target.label}", "raw": "direct effect on the raw logit",
               "total": f"estimated change of the {at.metric_name(target)} if switched off"}[measure]
    figure = kv_figures.attribution_bar([f"L{layer} n{n}" for layer, n, _, _ in rows], [v for _, _, v, _ in rows],
                                        f"Neurons that wrote {kv.token_text(_load(model_key).tokenizer, token)!r}",
                                        x_title)
    return Attribution(target, measure, rows, promoted, ranks, parts,
                       at.explained_quantity(model, a.trace, position, target), model.cfg.vocab_size, figure)


def rank_verdict(rank: int, vocab: int) -> str:
    """'top 0.04%: specific' or 'top 3.6%: broad'."""
    share = (rank + 1) / vocab
    return f"top {share:.2%}: {'specific to it' if share <= SPECIFIC else 'broad, it writes a wider theme'}"


def attribution_summary(a: Attribution, target: str, contrast: str | None, position: int) -> str:
    """One paragraph saying what is measured and how the explained quantity adds up."""
    p = a.parts
    split = (f"the token embedding ({p.embedding:+.2f}), all attention layers ({float(p.attention.sum()):+.2f}) "
             f"and all FFN neurons ({float(p.ffn.sum()):+.2f})"
             + (f", with the final norm's bias ({p.norm_bias:+.2f})" if p.norm_bias else ""))
    if contrast is not None:
        what = f"the logit difference {target!r} − {contrast!r} ({a.explained:.2f}): why {target!r} rather than {contrast!r}"
    elif a.target.centred:
        what = (f"the centred logit of {target!r} ({a.explained:.2f}): its logit minus the mean logit, since softmax "
                "ignores what lifts every token at once")
    else:
        what = (f"the raw logit of {target!r} ({a.explained:.2f}). Beware: much of a raw logit lifts every token "
                "at once, which softmax ignores, so large last-layer neurons look important here")
    if a.measure == "total":
        return (f"Every one of the {p.neurons.numel():,} neurons, ranked by how much the "
                f"{at.metric_name(a.target)} of {target!r} would change if it were switched off, estimated for all "
                f"of them at once from one backward pass (gradient × activation). Unlike direct effects, this "
                f"counts what a neuron does through the layers after it. The direct split of {what.split(':')[0]}: "
                f"{split}.")
    return (f"Every neuron of every layer, ranked by its direct effect mᵢ·(vᵢ·u) at position {position} on {what}. "
            f"It is the sum of {split}.")


def specificity_summary(a: Attribution, target: str) -> str:
    ranks = sorted(a.ranks)
    median = ranks[len(ranks) // 2] + 1
    return (f"**{a.specific} of these {len(a.rows)} neurons are specific to {target!r}**: it stands in the top "
            f"{SPECIFIC:.0%} of what they write. For the others it ranks lower (median rank {median:,} of "
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


@st.cache_resource(max_entries=16, ttl=TTL, show_spinner=False)
def ranking_comparison(model_key: str, text: str, position: int, token: int,
                       k: int = 10) -> list[tuple[str, float, float]]:
    """Which ranking finds the neurons that matter: for each measure, p(token) before and
    after switching off its top k."""
    out = []
    for measure in ("raw", "direct", "total"):
        rows = attribution(model_key, text, position, token, None, measure, k).rows
        neurons = tuple((layer, n) for layer, n, _, _ in rows[:k])
        _, _, p0, p1 = ablation_check(model_key, text, position, token, None, neurons)
        out.append((MEASURES[measure], p0, p1))
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
              layers_off: tuple[int, ...], k: int = 10):
    model, a = _load(model_key).model, analysis(model_key, text)
    scales = kv.switch_off(list(neurons), model.cfg.d_ff, factor, layers_off)
    with forward_pass():
        after_trace = kv.run(model, a.enc.ids, scales)
    before = kv.next_token_probs(model, a.trace, position)
    after = kv.next_token_probs(model, after_trace, position)
    ids = list(dict.fromkeys([i for i, _ in kv.top_k(before, k)] + [i for i, _ in kv.top_k(after, k)]))
    figure = kv_figures.before_after(token_labels(model_key, ids), before[ids].tolist(), after[ids].tolist())
    return figure, kv.top_k(before, 1)[0], kv.top_k(after, 1)[0]


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def division_of_labour(model_key: str, text: str):
    model, a = _load(model_key).model, analysis(model_key, text)
    attn, ffn = kv.update_norms(a.trace)
    off = kv.all_ffn_off(model.cfg.n_layers, model.cfg.d_ff)
    with forward_pass():
        no_ffn = kv.run(model, a.enc.ids, off)
        losses = kv.text_loss(model, a.enc.ids), kv.text_loss(model, a.enc.ids, off)
    last = len(a.enc.ids) - 1
    return (kv_figures.update_norms(attn.numpy(), ffn.numpy()), *losses,
            kv.top_k(kv.next_token_probs(model, no_ffn, last), 5))


@st.cache_resource(max_entries=8, ttl=TTL, show_spinner=False)
def two_contexts(model_key: str, text_a: str, text_b: str, word: str, k: int = 15):
    a, b = analysis(model_key, text_a), analysis(model_key, text_b)
    pa, pb = kv.find_token(a.enc.pieces, word), kv.find_token(b.enc.pieces, word)
    if pa is None or pb is None:
        return None
    return kv.context_difference(a.trace, pa, b.trace, pb, k)
