"""Neuron explanations on the pages: the shipped file read once per server, the line and scores
of one neuron, a column of lines for any table of neurons, the search by words, and the per-layer
scores as a figure (model/lm/explanations.py makes them, model/lm/explanation_words.py words them).
"""
from __future__ import annotations

import atexit
from pathlib import Path

import streamlit as st

from components.lm import dictionary_views
from components.lm.dictionary_views import context_line
from components.shared import glossary as gloss
from components.shared import url_state
from components.shared.widgets import plot
from components.lm.explanation_figures import layer_scores_figure
from model.lm import build_explanations
from model.lm import explanation_words as ew
from model.lm import explanations as ex
from model.lm.gguf_loader import LoadedModel
from model.lm.kv_memory import token_text
from model.lm.neuron_dictionary import NeuronDictionary
from serving import forward_pass

WHAT_SCORES_MEAN = (
    f"**How far to trust it.** The line was chosen on the training part of the corpus and scored on a held-out "
    f"part it never saw: a seeded random 1 in {ex.HOLD_OUT} of the documents of each kind of text (the "
    "arithmetic of both parts comes from the same templates, so it carries over more easily than the rest). "
    "*Correlation*: a simulator reads only what the line names, with the typical coefficient listed under it for "
    "each (the training average, pulled towards the neuron's overall average where a group is small), and "
    "predicts the coefficient at every held-out token; 1 means its predictions rise and fall exactly with the "
    "neuron's coefficient, 0 that they carry no linear information about it. Our labels: strong ≥ 0.8 (OpenAI's "
    "threshold), fair ≥ 0.5, weak ≥ 0.3, poor below (our own cut-offs). *Detection*: how well the line tells the "
    "held-out tokens in the neuron's top tenth (bottom tenth for m < 0) from the rest, as balanced accuracy, the "
    "metric of the detection score of Paulo et al. (2024, arXiv; EleutherAI's delphi), adapted here: per token, "
    "without a language model. 0.5 is a coin toss; below 0.5, the line matches the rest of the text more often "
    "than the top tenth. A correct line can still score near 0.5: for a neuron that fires hard on a few rare "
    "tokens, most of its top tenth is tokens where it barely fires. Both scores are shown beside the same neuron "
    "scored with a shuffled explanation (another neuron's of its layer): on average near 0 and 0.5, but one "
    "draw per neuron, so a single shuffled score can be ±0.2 by chance. What a line says it *writes* is read "
    "from the neuron's value vector through the unembedding (the direct readout, which ignores later layers and "
    "means little in early ones), not scored.")


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
    they fire with, and its held-out correlation. Empty without explanations."""
    if e is None:
        return {}
    v = vocab(lm)
    signs = [ew.sign_index(m) for _, _, m in rows]
    return {"explanation": [ew.line(e, s, layer, n, v) for (layer, n, _), s in zip(rows, signs)],
            "held-out r (this line)": [float(e.corr[1 + s, layer, n]) for (layer, n, _), s in zip(rows, signs)]}


def card(lm: LoadedModel, e: ex.Explanations, layer: int, neuron: int) -> None:
    """The neuron's two lines, each with its held-out scores beside a shuffled line's, and what
    the scores mean."""
    v = vocab(lm)
    for s, label in enumerate(("When m > 0", "When m < 0")):
        sc = ew.scores(e, s, layer, neuron)
        st.markdown(f"**{label}:** {gloss.md_escape(ew.line(e, s, layer, neuron, v))}.")
        gloss.plain_caption("What the simulator predicts from this line: "
                            f"{gloss.md_escape(ew.simulator_values(e, s, layer, neuron, v))}.")
        gloss.markdown(f"Held-out correlation {sc.corr:+.2f}: {ew.trust(sc.corr)} (a shuffled explanation scores "
                       f"{sc.shuffled_corr:+.2f}); detection {sc.detection:.2f} (shuffled {sc.shuffled_detection:.2f})"
                       + ("; no clear pattern: read this line as a guess." if sc.corr < 0.1 else "."))
    both = float(e.corr[0, layer, neuron])
    gloss.markdown(f"Both lines together predict its coefficient on held-out text with correlation "
                   f"**{both:+.2f}** ({ew.trust(both)}).")
    with st.expander("What the scores mean"):
        gloss.markdown(WHAT_SCORES_MEAN)


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
    """Search every neuron's explanation by words; the matches, best held-out score first, as a
    table of neurons (`neuron_table(rows, cards, signs)`, the page's)."""
    gloss.header("Search by words")
    label = "Words of an explanation ('months', 'plural', 'code indentation', 'digits')"
    st.text_input(label, key=url_state.key(page, "words"), max_chars=60, help=gloss.help_in(label))
    query = url_state.value(page, "words")
    found = search(lm, e, query) if query.strip() else []
    if not query.strip():
        st.info("Type words to find the neurons whose explanation holds them.")
    elif not found:
        st.info(f"No neuron's explanation holds all of {query.strip()!r}. Try fewer or other words.")
    else:
        gloss.caption(f"The {len(found)} best-scored neurons whose explanation holds every word, in what makes it "
                      "fire or in what it writes (the score is the held-out correlation of the line's first half); "
                      "'month' also finds 'months', and a kind of token is found by its name or related words.")
        neuron_table({"sign": ["m > 0" if s == 0 else "m < 0" for s, _, _, _ in found]},
                     [(layer, n) for _, layer, n, _ in found], [1.0 if s == 0 else -1.0 for s, _, _, _ in found])


def trust_section(lm: LoadedModel, e: ex.Explanations) -> None:
    """The per-layer figure, the shares at or above 0.5 and 0.8 beside OpenAI's GPT-2 XL figure,
    and the layers that explain poorly, said plainly (below the page's heading and prediction)."""
    s = summary(lm, e)
    per = s.per
    gloss.markdown(
        f"Of all {s.neurons:,} neurons, **{s.share_05:.1%}** have explanations scoring at least 0.5 on held-out text "
        f"and **{s.share_08:.2%}** at least 0.8 (median {s.median:.2f}; shuffled explanations: median "
        f"{s.shuffled_median:+.2f}), counting both lines of a neuron together; its m > 0 line alone reaches 0.8 for "
        f"{s.share_08_one_line:.2%}, and {s.at_08_in_layer_0} of the {s.at_08} neurons at 0.8 are in layer 0. "
        f"OpenAI reported more than 1,000 of GPT-2 XL's 307,200 neurons (over {ew.OPENAI_GPT2_XL_SHARE_08:.1%}) at "
        "0.8 or more (Bills et al. 2023, OpenAI), but the numbers are not comparable: their simulator (a language "
        "model) read only words and was scored on top-activating and random excerpts; ours reads fitted typical "
        "values, is scored on every held-out token, and this model's neurons fire with both signs.")
    plot(layer_scores_figure(per, s.lower_quartile, s.upper_quartile), layer_caption(per))
    weak = [layer for layer, m in enumerate(per.median_corr) if m < 0.2]
    worst = int(per.median_corr.argmin())
    if weak:
        gloss.markdown(f"**Explained poorly**: in layer{'s' if len(weak) > 1 else ''} {ranges(weak)} the median "
                       "explanation scores below 0.2. Their neurons fire on patterns a token, a kind of token, a "
                       "position or a kind of text does not capture; read their contexts, not their lines.")
    else:
        gloss.markdown(f"No layer's median falls below 0.2; layer {worst} is explained worst (median "
                       f"{per.median_corr[worst]:.2f}).")
    gloss.markdown(
        f"**Detection is weak everywhere**: per layer, the median balanced accuracy is "
        f"{per.median_detection.min():.2f}–{per.median_detection.max():.2f} (shuffled: "
        f"{s.shuffled_detection:.2f}). A line names the groups (tokens, kinds, "
        "positions, kinds of text) that explain most of the variance of its coefficient, which favours frequent "
        "tokens; and detection counts every token of a neuron's top tenth as a firing, so for a neuron that fires "
        "hard on a few rare tokens (month names) most of that tenth is tokens where it barely fires, and even a "
        "correct line scores near 0.5.")


def ranges(layers: list[int]) -> str:
    """[0, 1, 2, 5] -> '0–2 and 5'."""
    runs, start = [], layers[0]
    for prev, cur in zip(layers, layers[1:] + [None]):
        if cur != prev + 1:
            runs.append(f"{start}–{prev}" if prev > start else str(start))
            start = cur
    return ", ".join(runs[:-1]) + (" and " if len(runs) > 1 else "") + runs[-1]


@st.cache_resource(max_entries=256, ttl=1800, show_spinner=False)
def _search(_lm: LoadedModel, _e: ex.Explanations, source: str, fingerprint: str, query: str, k: int
            ) -> list[tuple[int, int, int, float]]:
    return word_index(_lm, _e).search(query, k)


def search(lm: LoadedModel, e: ex.Explanations, query: str, k: int = 20) -> list[tuple[int, int, int, float]]:
    """(sign, layer, neuron, score) of the best-scored explanations holding every word of `query`;
    a query's matches are kept, so a rerun that keeps the words does not search again."""
    return _search(lm, e, str(lm.source), str(e.dictionary), query, k)


@st.cache_resource(show_spinner=False)
def _summary(_e: ex.Explanations, source: str, fingerprint: str) -> ew.Summary:
    return ew.summary(_e)


def summary(lm: LoadedModel, e: ex.Explanations) -> ew.Summary:
    """The whole model's scores (medians and shares over every neuron), once per server."""
    return _summary(e, str(lm.source), str(e.dictionary))


def layer_caption(per: ew.LayerScores) -> str:
    worst, best = int(per.median_corr.argmin()), int(per.median_corr.argmax())
    return (f"Per layer, the held-out correlation of every neuron's explanation: the median (line) with the middle "
            f"half of neurons shaded, bars for the shares at or above 0.5 and 0.8, and the median of shuffled "
            f"explanations (dashed). Layer {best} is explained best (median {per.median_corr[best]:.2f}), layer "
            f"{worst} worst (median {per.median_corr[worst]:.2f}).")
