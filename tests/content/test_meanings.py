"""What each result means (content/meanings.py, issue 29): every page that shows a real model's
results, and the budget page, opens with its one-sentence conclusion, and the figures it quotes are
the ones the page's own views show."""
import re
import string

import pytest

from content import meanings
from model.architectures import prose_facts as pf
from model.architectures.presets import PRESETS
from testkit.apptest import run_page, tables


def _opening(at) -> str:
    return next(m.value for m in at.markdown if "lightbulb: **" in m.value)


def test_every_sentence_is_a_template_of_named_figures():
    for group in (meanings.CONCLUSIONS, meanings.VIEWS):
        for key, text in group.items():
            names = [n for _, n, _, _ in string.Formatter().parse(text) if n is not None]
            assert all(n.isidentifier() for n in names), (key, names)
            # a figure is a placeholder, never typed: no digits outside the citations' years and "top 1%"
            words = re.sub(r"\(?[A-Z][a-z]+ et al\. \(?\d{4}|\d{4}, [A-Za-z]+|top 1%|0\.8|0\.5|d_ff = 4·d_model|"
                           r"W_down|float32|section \d|[Ss]ections \d and \d|\{\w+\}", "", text)
            assert not re.search(r"\d", words), (key, words)


def test_budget_page_opens_with_the_share_range_across_presets():
    at = run_page("budget")
    opening = _opening(at)
    v = pf.values()
    assert f"Across the {len(PRESETS)} published models" in opening
    assert v["ffn_share_low"] in opening and v["ffn_share_high"] in opening


@pytest.mark.model
def test_concept_page_opens_with_the_months_search_as_the_search_shows_it():
    at = run_page("concept_neurons", reveal="all")  # the search opens on months once its question is answered
    first = tables(at)[0]
    full = sum(a == b for a, b in (re.fullmatch(r"(\d+) of (\d+)", c).groups() for c in first["set in its top 1%"]))
    size = re.fullmatch(r"\d+ of (\d+)", first["set in its top 1%"][0]).group(1)
    assert f"as {full} of the {len(first['neuron'])} neurons the months search lists first rank all {size} months" \
        in _opening(at)
    assert "layer" not in _opening(at)  # where they sit is a prediction's answer
    text = " ".join(m.value for m in at.markdown)
    assert "ranks it in its top 1%, not that it is specific" in text and "polysemantic" in text


@pytest.mark.model
def test_dictionary_page_opens_with_its_conclusion_and_no_share_a_prediction_asks_for():
    at = run_page("neurons", timeout=300)
    assert _opening(at).endswith(f"**{meanings.CONCLUSIONS['neurons']}**") or meanings.CONCLUSIONS["neurons"] in _opening(at)
    assert not re.search(r"\d", meanings.CONCLUSIONS["neurons"])
