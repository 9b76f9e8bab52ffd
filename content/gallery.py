"""A small gallery of concept neurons found in SmolLM2-135M with the concept search
(model/lm/concepts.py), each with a sentence on which switching it off changes the
prediction. Each story is a template: `story` fills it with what the page measures on the
model now (what the neuron writes, how much of the concept sits in its top 1%, which way it
fires, how the prediction moves), so the words cannot drift from what the model does;
tests/content/test_gallery.py checks the rest of each claim on the real model."""
from __future__ import annotations

import math
from dataclasses import dataclass

MODEL = "SmolLM2-135M-Instruct.Q4_1"  # the model file these neurons belong to (its stem)


@dataclass(frozen=True)
class GalleryNeuron:
    title: str
    concept: str  # a key of model.lm.concepts.CONCEPTS: the search that finds it
    layer: int
    neuron: int
    sentence: str  # a sentence where it matters
    token: str  # the next token whose probability switching it off changes
    effect: str  # "lowers" or "raises": what switching it off does to that probability
    story: str  # what to say about it in class: a template of the fields `story` fills in


GALLERY: tuple[GalleryNeuron, ...] = (
    GalleryNeuron("A neuron that writes “his”", "pronouns", 27, 1199, "John lost", " his", "lowers",
                  "It writes {written}: {count} pronouns stand in the top 1% of what it writes, {fit}. "
                  "After “John lost” it fires {fires}, and without it{token} becomes {change} to come next."),
    GalleryNeuron("A neuron that writes number words", "numbers", 26, 1519, "One, two, three,", " four", "lowers",
                  "It writes {written}; {count} number words stand in the top 1% of what it writes, {fit}. "
                  "Counting “One, two, three,” it fires {fires}, and without it{token} becomes {change} to come "
                  "next."),
    GalleryNeuron("A months neuron", "months", 22, 610, "Christmas is celebrated on the 25th of", " December",
                  "lowers", "It writes {written}; {count} months stand in the top 1% of what it writes, {fit}. "
                  "Here it fires {fires}, and switching it off makes{token} {change} to come next."),
    GalleryNeuron("A brake on months", "months", 29, 240, "Christmas is celebrated on the 25th of", " December",
                  "raises", "Another months neuron ({count} in its top 1%, {fit}), in the last layer. "
                  "Here it fires {fires}: switch it off and{token} becomes {change} to come next. "
                  "Gurnee et al. (2024, TMLR) found such suppression neurons gathering in GPT-2's last layers."),
    GalleryNeuron("A brake on France's words, found by the capital-cities search", "capital cities", 29, 864,
                  "The capital of France is", " Paris", "raises",
                  "It writes {written}. The capital-cities search lists it, but {count} capital cities stand in the "
                  "top 1% of what it writes, {fit}: it writes France's words, not capitals. After “The capital of "
                  "France is” it fires {fires}: without it{token} becomes {change} to come next."),
    GalleryNeuron("A days neuron", "days", 29, 1242, "Most people do not work on Saturday and", " Sunday", "raises",
                  "It writes {written}; {count} weekdays stand in the top 1% of what it writes, {fit}. "
                  "Here it fires {fires}, and without it{token} becomes {change} to come next."),
)


def change_words(p0: float, p1: float) -> str:
    """How switching a neuron off moved a probability, in words, judged on the log-odds (a move from
    77% to 93% counts as much as one from 4% to 13%): 'much less likely' … 'much more likely'."""
    def log_odds(p: float) -> float:
        p = min(max(p, 1e-9), 1 - 1e-9)
        return math.log(p / (1 - p))

    shift = log_odds(p1) - log_odds(p0)
    size = "much " if abs(shift) >= 0.8 else "" if abs(shift) >= 0.3 else "a little "
    return size + ("less likely" if shift < 0 else "more likely")


def good_fit(in_top: int, set_size: int) -> bool:
    """The concept page's rule: a set fits a neuron when most of its words sit in the neuron's top 1%."""
    return in_top > set_size / 2


def fit_words(in_top: int, set_size: int) -> str:
    """The rule's verdict, in words."""
    return ("most of the set: a good fit by this page's rule" if good_fit(in_top, set_size)
            else "fewer than half of the set: not a good fit by this page's rule")


def count_words(n: int, total: int) -> str:
    """'all 12', or '9 of the 14' when some are missing."""
    return f"all {total}" if n == total else f"{n} of the {total}"


def written_words(tokens: list[str], n: int = 4) -> str:
    """The first n distinct words among a neuron's top tokens ('his, himself, him and he')."""
    seen: dict[str, str] = {}
    for t in tokens:
        word = t.strip()
        if word and word.lower() not in seen:
            seen[word.lower()] = word
    words = list(seen.values())[:n]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def story(entry: GalleryNeuron, written: list[str], in_top: int, set_size: int, z: float, m: float,
          p0: float, p1: float) -> str:
    """The entry's story with the live values: its top tokens `written` (with the sign z of its
    concept score), the set's count in its top 1%, its coefficient m on the sentence and
    p(token) before and after switching it off."""
    fires = ("the way that promotes them" if (m >= 0) == (z >= 0) else
             "the other way, so it holds them back")
    return entry.story.format(written=written_words(written), count=count_words(in_top, set_size), fires=fires,
                              change=change_words(p0, p1), token=entry.token, fit=fit_words(in_top, set_size))
