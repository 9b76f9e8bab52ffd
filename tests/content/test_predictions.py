"""Predict, then reveal (content/predictions.py): every question is well formed, its answer is
computed and valid, its reveal quotes only figures the computation gives, and every page but Home,
the Glossary and the class page asks at least one, as does every tour step."""
from __future__ import annotations

import re
import string

import pytest

from components.shared.predict import reveal_text
from components.shared.registry import PAGES
from content.predictions import KINDS, PREDICTIONS, Prediction, Truth, settle
from content.quiz import QUESTIONS
from content.tour import STEPS
from testkit import ROOT

ASKED = re.compile(r"""predict\.ask\(\s*["']([a-z0-9-]+)["']""")
NOT_ASKING = {"home", "glossary", "class"}  # pages with nothing to predict


QUIZ_ASKED = 'predict.ask(f"quiz-{q.key}")'  # the quiz page asks each of its questions in a loop


def asked_on(url_path: str) -> list[str]:
    text = (ROOT / "lessons" / f"{url_path}.py").read_text()
    return ASKED.findall(text) + ([f"quiz-{q.key}" for q in QUESTIONS] if QUIZ_ASKED in text else [])


def test_every_page_but_home_and_glossary_asks_a_prediction():
    missing = [p.url_path for p in PAGES if p.url_path not in NOT_ASKING and p.url_path != "tour"
               and not asked_on(p.url_path)]
    assert not missing, f"pages without a prediction: {missing}"


def test_every_tour_step_asks_a_prediction_of_its_own():
    ids = [s.prediction for s in STEPS]
    assert all(ids) and len(set(ids)) == len(ids), ids
    assert "step.prediction" in (ROOT / "lessons" / "tour.py").read_text()


def test_every_asked_prediction_exists_and_every_prediction_is_asked():
    asked = {pid for p in PAGES for pid in asked_on(p.url_path)} | {s.prediction for s in STEPS}
    assert asked <= set(PREDICTIONS), asked - set(PREDICTIONS)
    extra = set(PREDICTIONS) - asked
    assert not extra, f"predictions no page asks: {extra}"


@pytest.mark.parametrize("pid", sorted(PREDICTIONS))
def test_a_prediction_is_well_formed(pid):
    p = PREDICTIONS[pid]
    assert p.id == pid and p.kind in KINDS and len(p.prompt.split()) >= 5 and p.prompt.rstrip("*").endswith("?")
    if p.kind in ("choice", "order"):
        assert len(p.options) >= 2 and len(set(p.options)) == len(p.options)
    if p.kind == "number":
        assert p.lo < p.hi and p.step > 0 and not p.options
    assert (p.figure is None) == (p.kind == "choice" and p.answer is not None) or p.figure is not None
    names = {f for _, f, _, _ in string.Formatter().parse(p.why) if f}
    assert names or p.figure is None or "{" not in p.why


# the real model's figures load SmolLM2: those run with the model's tests
MODEL_FIGURES = ("components.lm.",)


def _params():
    for pid, p in sorted(PREDICTIONS.items()):
        marks = [pytest.mark.model] if p.figure and p.figure.startswith(MODEL_FIGURES) else []
        yield pytest.param(pid, marks=marks, id=pid)


@pytest.mark.parametrize("pid", list(_params()))
def test_the_answer_is_computed_valid_and_quoted(pid):
    p = PREDICTIONS[pid]
    t = settle(p)
    assert isinstance(t, Truth)
    assert p.validate(t.answer) == t.answer or p.kind == "number"  # an int number is kept as its float
    for words in (p.why, p.prompt):
        names = {f for _, f, _, _ in string.Formatter().parse(words) if f}
        assert names <= set(t.values), f"{pid} quotes {names - set(t.values)}, which its figure does not give"
    text, right = reveal_text(p, t, t.answer)
    assert right is True and p.show(t.answer) in text
    assert p.why.format_map(t.values) in text


def test_validation_refuses_what_is_not_an_answer():
    choice = Prediction("c", "Which one is it, of these two?", "choice", "why", options=("a", "b"), answer=0)
    number = Prediction("n", "How many are there, in percent?", "number", "why", figure="x:y", lo=0, hi=100)
    order = Prediction("o", "In which order do they come?", "order", "why", figure="x:y", options=("a", "b", "c"))
    for p, bad in ((choice, 2), (choice, -1), (choice, True), (choice, "0"), (number, 101), (number, float("nan")),
                   (number, "5"), (order, (0, 1)), (order, (0, 0, 1)), (order, "012"), (order, (0, 1, True))):
        with pytest.raises(ValueError):
            p.validate(bad)
    assert choice.validate(1) == 1 and number.validate(5) == 5.0 and order.validate([2, 0, 1]) == (2, 0, 1)


def test_a_number_reveal_says_how_far_off_and_which_way():
    p = Prediction("n", "What share is it, in percent?", "number", "It is {x}.", figure="x:y", unit="%", decimals=1)
    t = Truth(66.4, {"x": "66.4%"})
    text, right = reveal_text(p, t, 50.0)
    assert right is False and "**Not quite.** You predicted: 50.0%" in text and "The answer, computed:** 66.4%" in text
    assert "16.4 percentage points too low" in text and text.endswith("It is 66.4%.")
    assert reveal_text(p, t, 70.0)[1] is True  # within a twentieth of the range counts as right
    assert "Spot on." in reveal_text(p, t, 66.4)[0]
    assert reveal_text(p, t, None) == ("**The answer, computed:** 66.4%  \nIt is 66.4%.", None)


def test_how_far_off_counts_in_the_questions_unit():
    layer = Prediction("l", "Which layer?", "number", "It is {x}.", figure="x:y", lo=0, hi=29, apart="layers")
    assert layer.how_far(5.0, 12.0) == "You were 7 layers too low." and layer.how_far(13.0, 12.0).startswith(
        "You were 1 layer too high")
    assert layer.show(12.0) == "12"  # the answer itself is a layer's number, not a count of layers
    count = Prediction("c", "How many?", "number", "It is {x}.", figure="x:y", lo=0, hi=5, unit="features")
    assert count.show(1.0) == "1 feature" and count.show(3.0) == "3 features"
    assert count.how_far(4.0, 2.0) == "You were 2 features too high."
    assert PREDICTIONS["kv-paris-lens"].apart == "layers"
