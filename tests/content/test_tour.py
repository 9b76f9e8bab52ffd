"""The tour's content: every step names a live view, a weights label and a page that exist, and
says what its view computes."""
import re

import pytest

from components.shared.registry import PAGES
from components.shared.widgets import WEIGHT_LABELS
from components.tour.views import VIEWS
from content.tour import STEPS


def test_every_step_points_at_what_exists():
    pages = {p.url_path for p in PAGES}
    for step in STEPS:
        assert step.title and step.idea and step.text
        assert step.view is None or step.view in VIEWS, step.view
        assert step.weights in WEIGHT_LABELS and step.page in pages
    assert {s.view for s in STEPS} == set(VIEWS)  # no live view is left without a step


def test_steps_say_what_their_views_compute():
    from components.tour.views import XOR_STEPS, fill
    from model.architectures import prose_facts as pf

    xor = next(s for s in STEPS if s.view == "xor")
    assert xor.weights == "trained_here" and f"{XOR_STEPS} steps" in fill(xor.text)  # it trains: not "random"
    act = fill(next(s for s in STEPS if s.view == "activations").text)
    for name in ("silu_minus_relu_2", "gelu_slope_minus_4"):
        assert pf.values()[name] in act
    gating = fill(next(s for s in STEPS if s.view == "gating").text)
    assert pf.values()["silu_3"] in gating and pf.gated_ratios() in gating


@pytest.mark.model
def test_memory_step_verdict_follows_the_rank():
    from model.lm.readout import is_specific
    from testkit.apptest import run_page

    at = run_page("tour", step="7", timeout=300, reveal="all")
    text = " ".join(m.value for m in at.markdown)
    found = re.search(r"rank ([\d,]+) of ([\d,]+) in what it writes \(top [\d.]+%: ([^)]+)\)", text)
    assert found, text
    rank, vocab = int(found[1].replace(",", "")), int(found[2].replace(",", ""))
    assert (found[3] == "specific to it") == is_specific(rank - 1, vocab), found[0]  # the text's rank counts from 1
    specific = re.search(r"(\d+) of these (\d+) neurons (is|are) specific", text)
    assert specific and int(specific[1]) <= int(specific[2])


@pytest.mark.model
def test_memory_step_asks_before_its_view_and_quotes_what_it_shows():
    from content.predictions import truth
    from testkit.apptest import answer, revealed, run_page

    at = run_page("tour", step="7", timeout=300)
    assert "Switch all" not in " ".join(m.value for m in at.markdown)  # the view waits for the answer
    t = truth("tour-paris-ablation")
    assert f"gives ' Paris' {t.values['p0']} after" in " ".join(m.value for m in at.markdown)  # the question's context
    answer(at, "tour-paris-ablation", 60)
    text = " ".join(m.value for m in at.markdown)
    assert f"from {t.values['p0']} to **{t.answer / 100:.0%}**" in text and t.values["p1"] in revealed(at)
    assert f"Switch all {t.values['n']} off" in text
