"""Neuron explanations on the pages: the shipped file read once per server, the line and scores
of one neuron, a column of lines for any table of neurons, the search by words, and the per-layer
scores as a figure (model/lm/explanations.py makes them, model/lm/explanation_words.py words them).
"""
from __future__ import annotations

import atexit
from pathlib import Path

import numpy as np
import streamlit as st

from components.lm import dictionary_views
from components.lm.dictionary_views import context_line
from components.shared import glossary as gloss
from components.shared import url_state
from components.shared.widgets import plot
from components.lm.explanation_figures import coverage_figure, layer_scores_figure
from content import meanings
from model.lm import build_explanations
from model.lm import explanation_words as ew
from model.lm import explanations as ex
from model.lm.gguf_loader import LoadedModel
from model.lm.kv_memory import token_text
from model.lm.neuron_dictionary import NeuronDictionary
from serving import forward_pass

@st.cache_resource(show_spinner=False)
def _builtin(_d: NeuronDictionary, source: str, fingerprint: str) -> ex.Explanations | None:
    return build_explanations.load_builtin(Path(source), _d)


def explanations(lm: LoadedModel, d: NeuronDictionary | None) -> ex.Explanations | None:
    """The explanations of this model's neurons over dictionary `d`'s corpus, or None where none
    were built for it (another model, a user's upload)."""
    return None if d is None else _builtin(d, str(lm.source), d.fingerprint)


@st.cache_resource(show_spinner=False)
def _vocab(_lm: LoadedModel, source: str) -> ew.Vocab:
    return ew.Vocab.of([token_text(_lm.tokenizer, i) for i in range(_lm.config.vocab_size)])


def vocab(lm: LoadedModel) -> ew.Vocab:
    return _vocab(lm, str(lm.source))


@st.cache_resource(show_spinner=False)
def _word_index(_lm: LoadedModel, _e: ex.Explanations, source: str, fingerprint: str) -> ew.WordIndex:
    return ew.WordIndex(_e, vocab(_lm))


def word_index(lm: LoadedModel, e: ex.Explanations) -> ew.WordIndex:
    return _word_index(lm, e, str(lm.source), str(e.dictionary))


class Stopped(Exception):
    pass


class ExplainJob(dictionary_views.BuildJob):
    """The explanations of a model for which none ship, built in the server's background once its
    dictionary is there, like the dictionary itself (one per model file and server process)."""

    cancelled = False

    def start_with(self, lm: LoadedModel, d: NeuronDictionary) -> None:
        self.dictionary = d
        if self._thread is None:
            atexit.register(self.stop)
        self.start(lm)

    def progress(self, done: int, total: int) -> None:
        super().progress(done, total)
        if self.cancelled:
            raise Stopped("the server is stopping")

    def stop(self, seconds: float = 60.0) -> None:
        """At exit: end the build at its next window, so that no thread is inside torch while the
        interpreter shuts down (which aborts the process)."""
        self.cancelled = True
        thread = self._thread
        if thread is not None:
            thread.join(seconds)

    def _run(self, lm: LoadedModel) -> None:
        try:
            self.result = build_explanations.build_builtin(lm, self.dictionary, progress=self.progress,
                                                           lock=forward_pass())
        except Exception as err:
            self.failed(err)


@st.cache_resource(show_spinner=False)
def explain_job(source: str) -> ExplainJob:
    return ExplainJob()


def built_or_building(lm: LoadedModel, d: NeuronDictionary, poll_seconds: float = 2.0) -> ex.Explanations | None:
    """The explanations over the built-in dictionary `d`: on disk, or built in the background (a
    progress bar that refreshes itself meanwhile, and a rerun when they are done)."""
    found = explanations(lm, d)
    if found is not None or d.partial:
        return found
    job = explain_job(str(lm.source))
    job.start_with(lm, d)
    if job.result is not None or job.error:
        if job.error:
            st.error(f"Explaining the neurons failed ({job.error}). Reload the page to retry.")
        return job.result

    job.show_progress("Explaining every neuron in words and scoring the explanations", poll_seconds)
    return None


def of_model(lm: LoadedModel) -> ex.Explanations | None:
    """The model's explanations over its built-in dictionary, where both are on disk (no build starts)."""
    return explanations(lm, dictionary_views.ready(lm))


def lines(lm: LoadedModel, e: ex.Explanations | None, rows: list[tuple[int, int, float]]) -> dict[str, list]:
    """Table columns for neurons (layer, neuron, coefficient or sign): the explanation of the sign
    they fire with, its held-out correlation over top plus random excerpts, and how many of its 8
    strongest held-out firings it names. Empty without explanations."""
    if e is None:
        return {}
    v = vocab(lm)
    signs = [ew.sign_index(m) for _, _, m in rows]
    at = [(s, layer, n) for (layer, n, _), s in zip(rows, signs)]
    covered = [ew.coverage(e, *a) for a in at]
    return {"explanation": [ew.line(e, *a, v) for a in at],
            "held-out r (top + random)": [float(e.corr_top_random[a]) for a in at],
            "names, held out": [f"{c.held_out} of {c.held_out_firings}" for c in covered]}


def score_words(sc: ew.Scores) -> str:
    """A line's own-sign held-out scores beside its three baselines, in one paragraph."""
    return (f"Held-out correlation with this sign's part of m: **{sc.top_random:+.2f}** over its top and random "
            f"excerpts ({ew.trust(sc.top_random)}), {sc.corr:+.2f} over all held-out tokens. Against, in the same "
            f"order: another neuron's line {sc.shuffled_top_random:+.2f} / {sc.shuffled:+.2f}; the full token look-up table "
            f"{sc.lookup_top_random:+.2f} / {sc.lookup:+.2f}; this layer's median line in a random-weight model "
            f"{sc.random_init_top_random:+.2f} / {sc.random_init:+.2f}"
            + ("; no clear pattern: read this line as a guess." if sc.top_random < 0.1 else "."))


def card(lm: LoadedModel, e: ex.Explanations, layer: int, neuron: int) -> None:
    """The neuron's two lines, each with how many of its strongest firings it names and its
    held-out scores beside the baselines, and what the scores mean."""
    v = vocab(lm)
    for s, label in enumerate(("When m > 0", "When m < 0")):
        st.markdown(f"**{label}:** {gloss.md_escape(ew.line(e, s, layer, neuron, v))}.")
        gloss.plain_caption("What the simulator predicts from this line: "
                            f"{gloss.md_escape(ew.simulator_values(e, s, layer, neuron, v))}.")
        where = (" It says where the token is, not what it is: read its contexts for what the neuron does."
                 if ew.flagged(e, s, layer, neuron) else "")
        gloss.markdown(f"It {ew.coverage_words(ew.coverage(e, s, layer, neuron))}.{where} "
                       + score_words(ew.scores(e, s, layer, neuron)))
    both = float(e.corr_both[layer, neuron])
    gloss.markdown(f"Both lines together predict its coefficient on all held-out tokens with correlation "
                   f"**{both:+.2f}** ({ew.trust(both)}).")
    with st.expander("What the scores mean"):
        gloss.markdown(meanings.WHAT_SCORES_MEAN.format(hold_out=ex.HOLD_OUT, shown=ex.SHOWN, fires=f"{ew.FIRES:.0%}"))


def across_range(lm: LoadedModel, d: NeuronDictionary, e: ex.Explanations, layer: int, neuron: int) -> None:
    """Examples from the strongest 1% of its coefficients down to the lowest, PER_BAND per band."""
    gloss.markdown(f"**Across its range**: {ex.PER_BAND} examples from each band of its coefficients on "
                   f"{len(e.sample_positions):,} sampled training tokens, from their strongest 1% down to their lowest, "
                   "so you see what it does on ordinary text too. A neuron that fires on rare tokens may show none "
                   "of them here: its top contexts above do.")
    for band, name in enumerate(ex.BAND_NAMES):
        st.markdown(f"*{name} of the sample*")
        for value, position in e.example(layer, neuron, band):
            st.markdown(context_line(lm, d, value, position), unsafe_allow_html=True)


def search_section(lm: LoadedModel, e: ex.Explanations, page: str, neuron_table) -> None:
    """Search every neuron's explanation by words, optionally only lines that name enough of their
    strongest held-out firings; the matches, best held-out score first, as a table of neurons
    (`neuron_table(rows, cards, signs)`, the page's)."""
    gloss.header("Search by words")
    label = "Words of an explanation ('months', 'give', 'region', 'code indentation', 'digits')"
    c1, c2 = st.columns([3, 2])
    c1.text_input(label, key=url_state.key(page, "words"), max_chars=60, help=gloss.help_in(label))
    named_label = f"Only lines naming at least this many of their {ex.SHOWN} strongest held-out firings"
    c2.number_input(named_label, 0, ex.SHOWN, key=url_state.key(page, "named"), help=gloss.help_in(named_label))
    query, named = url_state.value(page, "words"), int(url_state.value(page, "named"))
    found = search(lm, e, query, min_named=named) if query.strip() else []
    if not query.strip():
        st.info("Type words to find the neurons whose explanation holds them.")
    elif not found:
        st.info(f"No neuron's explanation holds all of {query.strip()!r}"
                + (f" and names {named} or more of its strongest held-out firings" if named else "")
                + ". Try fewer or other words" + (", or a lower count." if named else "."))
    else:
        gloss.caption(f"The {len(found)} best-scored lines that hold every word, in what makes the neuron fire or in "
                      "what it writes (the score is the line's held-out correlation over top and random excerpts, of "
                      "its “fires on” part before the semicolon; what it writes is not scored); 'month' also finds "
                      "'months', a kind of token is found by its name or related words, and a meaning by its words.")
        neuron_table({"sign": ["m > 0" if s == 0 else "m < 0" for s, _, _, _ in found]},
                     [(layer, n) for _, layer, n, _ in found], [1.0 if s == 0 else -1.0 for s, _, _, _ in found])


def trust_section(lm: LoadedModel, e: ex.Explanations, page: str) -> None:
    """The whole model's scores against the three baselines and its coverage, the figures by layer
    (filterable by coverage), the layers whose neurons stay hard to describe, and how loosely they
    compare with OpenAI's (below the page's heading and prediction)."""
    s = summary(lm, e)
    gloss.markdown(
        f"Each of the {s.lines:,} lines ({s.neurons:,} neurons, one line per sign) is scored on held-out text against "
        f"its own sign's part of the coefficient. The median line correlates **{s.median_top_random:+.2f}** with it over "
        f"its top and random excerpts and {s.median_corr:+.2f} over all held-out tokens. The same medians for the "
        f"baselines: shuffled lines {s.shuffled_top_random:+.2f} / {s.shuffled_corr:+.2f}; the full token look-up table, "
        f"roughly the ceiling of rules reading only the token, {s.lookup_top_random:+.2f} / {s.lookup_corr:+.2f}; and the "
        f"same pipeline on a randomly initialised model of the same shape, {s.random_init_top_random:+.2f} / "
        f"{s.random_init_corr:+.2f} (Heap et al. 2025, arXiv: such models can score like trained ones).")
    gloss.markdown(
        f"**What a line names.** On held-out text, a line names a median **{s.held_out_coverage:.0%}** of its neuron's "
        f"{ex.SHOWN} strongest firings there, and **{s.none_held_out:.0%}** of lines name none of them "
        f"(a random-weight model's lines: {s.random_init_held_out_coverage:.0%}, {s.random_init_none_held_out:.0%} none). "
        f"On the card's {ex.SHOWN} strongest firings, which the lines were drawn from, the median is "
        f"{s.card_coverage:.0%}, by construction higher. {s.flagged:.0%} of lines name a position or a kind of "
        f"text: where a token is, not what it is."
        + (f" ({s.no_held_out_firing:.1%} of lines never fire with their sign on held-out text and are left out of "
           "the held-out counts.)" if s.no_held_out_firing else ""))
    named_label = f"Count only lines naming at least this many of their {ex.SHOWN} strongest held-out firings"
    st.number_input(named_label, 0, ex.SHOWN, key=url_state.key(page, "layer_named"), help=gloss.help_in(named_label))
    named = int(url_state.value(page, "layer_named"))
    per = by_layer(lm, e, named)
    plot(layer_scores_figure(per), layer_caption(per))
    plot(coverage_figure(s.per), coverage_caption(s.per))  # every line: the filter is on this very count
    hard = ew.hard_layers(s.per)
    if hard:
        gloss.markdown(
            f"**Hard to describe**: in layer{'s' if len(hard) > 1 else ''} {ranges(hard)}, more than a third of the "
            f"lines name none of their neuron's strongest held-out firings (up to "
            f"{np.nanmax(s.per.none_held_out[hard]):.0%} in layer {hard[int(np.nanargmax(s.per.none_held_out[hard]))]}). "
            "Their neurons fire on patterns no token, word, meaning, pair, kind, position or kind of text we name "
            "captures: most likely several features at once, as superposition predicts; read their contexts, not "
            "their lines.")
    elif not np.isnan(s.per.none_held_out).all():
        worst = int(np.nanargmax(s.per.none_held_out))
        gloss.markdown(f"In no layer do more than a third of the lines name none of their strongest held-out firings; "
                       f"layer {worst} is described worst ({s.per.none_held_out[worst]:.0%} name none).")
    gloss.markdown(f"**Beside OpenAI's.** {s.share_08_top_random:.2%} of these lines reach 0.8 over top and random "
                   f"excerpts. {ew.OPENAI_COMPARISON}")


def ranges(layers: list[int]) -> str:
    """[0, 1, 2, 5] -> '0–2 and 5'."""
    runs, start = [], layers[0]
    for prev, cur in zip(layers, layers[1:] + [None]):
        if cur != prev + 1:
            runs.append(f"{start}–{prev}" if prev > start else str(start))
            start = cur
    return ", ".join(runs[:-1]) + (" and " if len(runs) > 1 else "") + runs[-1]


@st.cache_resource(max_entries=256, ttl=1800, show_spinner=False)
def _search(_lm: LoadedModel, _e: ex.Explanations, source: str, fingerprint: str, query: str, k: int, min_named: int
            ) -> list[tuple[int, int, int, float]]:
    return word_index(_lm, _e).search(query, k, min_named)


def search(lm: LoadedModel, e: ex.Explanations, query: str, k: int = 20, min_named: int = 0
           ) -> list[tuple[int, int, int, float]]:
    """(sign, layer, neuron, score) of the best-scored lines holding every word of `query` and naming
    at least `min_named` of their strongest held-out firings; a query's matches are kept, so a rerun
    that keeps the words does not search again."""
    return _search(lm, e, str(lm.source), str(e.dictionary), query, k, min_named)


@st.cache_resource(show_spinner=False)
def _summary(_e: ex.Explanations, source: str, fingerprint: str) -> ew.Summary:
    return ew.summary(_e)


def summary(lm: LoadedModel, e: ex.Explanations) -> ew.Summary:
    """The whole model's scores (medians and shares over every line), once per server."""
    return _summary(e, str(lm.source), str(e.dictionary))


@st.cache_resource(max_entries=64, show_spinner=False)
def _by_layer(_e: ex.Explanations, source: str, fingerprint: str, min_named: int) -> ew.LayerScores:
    return ew.by_layer(_e, min_named)


def by_layer(lm: LoadedModel, e: ex.Explanations, min_named: int = 0) -> ew.LayerScores:
    """Each layer's scores over its lines naming at least `min_named` of their strongest held-out firings."""
    return _by_layer(e, str(lm.source), str(e.dictionary), min_named)


def layer_caption(per: ew.LayerScores) -> str:
    scored = ~np.isnan(per.median_top_random)
    if not scored.any():
        return "No line names that many of its strongest held-out firings: nothing to plot."
    best = int(np.nanargmax(per.median_top_random))
    worst = int(np.nanargmin(per.median_top_random))
    kept = (f" Only lines naming at least {per.min_named} of their {ex.SHOWN} strongest held-out firings count: "
            f"{np.mean(per.kept):.0%} of all; layers with none are gaps." if per.min_named else "")
    return (f"Per layer, the median line's held-out correlation with its own sign over its top and random excerpts "
            f"(thick line, the middle half of lines shaded) and over all held-out tokens (thin line), against the "
            f"same medians for shuffled lines, the full token look-up table and a random-weight model's lines. "
            f"Layer {best} is explained best (median {per.median_top_random[best]:.2f}), layer {worst} worst "
            f"(median {per.median_top_random[worst]:.2f}).{kept}")


def coverage_caption(per: ew.LayerScores) -> str:
    if np.isnan(per.none_held_out).all():
        return "No line names that many of its strongest held-out firings: nothing to plot."
    worst = int(np.nanargmax(per.none_held_out))
    return (f"Per layer, bars: the share of lines naming none of their neuron's {ex.SHOWN} strongest held-out firings; "
            f"lines: the median share of those firings a line names, held out (thick), on the card (dotted, where "
            f"the lines were drawn from) and for a random-weight model's lines (dashed). Layer {worst} has the most "
            f"lines naming none ({per.none_held_out[worst]:.0%}).")
