"""The figures the course wording quotes (model/architectures/prose_facts.py) against independent formulas,
and every template in the wording filled from them."""
import math
import string

import pytest

from components.shared.registry import PAGES
from content.quiz import TAKEAWAYS  # the questions' reveals are checked in test_predictions.py
from content.tour import STEPS
from model.architectures import prose_facts as pf
from model.architectures.presets import PRESETS
from testkit.apptest import run_page


def _Phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@pytest.mark.parametrize("x", [0.5, 1.0, 2.0, 4.0])
def test_gelu_relu_gap_is_symmetric(x):
    # GELU − ReLU = −|x|·Φ(−|x|) on both sides: not confined to [−2, 1]
    for sign in (1, -1):
        assert pf.gap("gelu", "relu", sign * x) == pytest.approx(-x * _Phi(-x), abs=1e-12)
    assert pf.values()["gelu_minus_relu_1"] == f"{-1 * _Phi(-1):+.3f}" == "-0.159"


def test_silu_and_gelu_figures_the_tour_quotes():
    silu = lambda x: x / (1 + math.exp(-x))  # noqa: E731
    assert pf.gap("silu", "relu", 2.0) == pytest.approx(silu(2) - 2) and pf.gap("silu", "relu", -2.0) == pytest.approx(silu(-2))
    assert abs(pf.gap("silu", "relu", 2.0)) > 0.2  # not "only near zero"
    dgelu = lambda x: _Phi(x) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    assert pf.slope("gelu", -4.0) == pytest.approx(dgelu(-4.0)) and -0.001 < pf.slope("gelu", -4.0) < 0
    assert pf.values()["silu_3"] == f"{silu(3):.2f}" and silu(3) > 1  # a scale, not a 0–1 valve


def test_gated_quadrants_depend_on_the_variant():
    assert list(pf.gated_signs("relu").values()) == ["positive", "negative", "zero", "zero"]
    for act in ("silu", "gelu"):
        assert list(pf.gated_signs(act).values()) == ["positive", "negative", "negative", "positive"]
    assert "negative in 1 of the four" in pf.gated_caption("relu") and "exactly zero" in pf.gated_caption("relu")
    assert "negative in 2 of the four" in pf.gated_caption("silu") and "not zero" in pf.gated_caption("silu")


def test_gated_ratios_are_the_presets():
    text = pf.gated_ratios()
    for cfg in PRESETS.values():
        shown = f"{cfg.name} {cfg.d_ff / cfg.d_model:.3g}×"
        assert (shown in text) == (cfg.ffn_kind != "dense"), shown
    assert "Mistral-7B 3.5×" in text and "Gemma-2B 8×" in text and "Qwen2.5-0.5B 5.43×" in text


def test_ffn_share_range_is_computed():
    from model.architectures import accounting
    low, low_name, high, high_name = pf.share_range()
    shares = {cfg.name: accounting.budget(cfg).ffn_share for cfg in PRESETS.values()}
    assert (low, high) == (min(shares.values()), max(shares.values()))
    assert shares[low_name] == low and shares[high_name] == high
    assert shares["GPT-2 small"] < 0.5  # "the FFN holds most" would be wrong for it


def _templates():
    yield from (s.text for s in STEPS)
    yield from TAKEAWAYS
    yield from (p.blurb for p in PAGES)


def test_every_template_fills_from_live_values():
    from components.tour.views import fill as tour_fill
    for text in _templates():
        names = {n for _, n, _, _ in string.Formatter().parse(text) if n}
        filled = tour_fill(text)
        assert "{" not in filled and "}" not in filled, text
        for name in names - {"xor_steps"}:
            assert pf.values()[name] in filled


def test_activation_page_captions_follow_the_variant():
    for glu, count in (("swiglu", 2), ("geglu", 2), ("reglu", 1)):
        at = run_page("activations", glu=glu, reveal="all")
        captions = " ".join(c.value for c in at.caption)
        assert f"negative in {count} of the four quadrants" in captions, glu
        assert ("exactly zero for every g < 0" in captions) == (glu == "reglu")
        assert pf.values()["gelu_minus_relu_2"] + " at ±2" in captions
