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
        text = " ".join(m.value for m in at.markdown)
        assert pf.values()["gelu_minus_relu_2"] + " at ±2" in text


def _bisect(f, lo: float, hi: float) -> float:
    """The root of f on [lo, hi], where f changes sign."""
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (f(lo) < 0) == (f(mid) < 0) else (lo, mid)
    return (lo + hi) / 2


def test_minima_and_the_gelu_relu_gap_are_computed():
    """GELU's and SiLU's lowest points and where GELU − ReLU is widest, against their own calculus:
    GELU′ = Φ(x) + xφ(x) = 0 and SiLU′ = σ(x)(1 + x(1 − σ(x))) = 0; the gap |x|Φ(−|x|) peaks where GELU dips."""
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    gx = _bisect(lambda x: _Phi(x) + x * phi(x), -3, -0.1)
    sx = _bisect(lambda x: sig(x) * (1 + x * (1 - sig(x))), -3, -0.1)
    (gelu_x, gelu_min), (silu_x, silu_min) = pf.minimum("gelu"), pf.minimum("silu")
    assert gelu_x == pytest.approx(gx, abs=1e-6) and gelu_min == pytest.approx(gx * _Phi(gx), abs=1e-9)
    assert silu_x == pytest.approx(sx, abs=1e-6) and silu_min == pytest.approx(sx * sig(sx), abs=1e-9)
    v = pf.values()
    assert (v["gelu_min"], v["gelu_min_x"], v["silu_min"], v["silu_min_x"]) == ("-0.170", "-0.752", "-0.278", "-1.278")
    peak_x, peak = pf.largest_gap("gelu", "relu")
    assert peak_x == pytest.approx(-gx, abs=1e-6) and peak == pytest.approx(-gx * _Phi(gx), abs=1e-9)
    assert v["gelu_minus_relu_0"] == "0" and (v["gelu_relu_gap_peak"], v["gelu_relu_gap_peak_x"]) == ("0.17", "0.75")


def test_activations_page_and_tour_state_the_computed_minima():
    v = pf.values()
    text = " ".join(m.value for m in run_page("activations", reveal="all").markdown)
    for name in ("gelu_min", "gelu_min_x", "silu_min", "silu_min_x", "gelu_relu_gap_peak", "gelu_relu_gap_peak_x"):
        assert v[name] in text, name
    assert "differ most near zero" not in text
    from components.tour.views import fill as tour_fill
    step = tour_fill(next(s for s in STEPS if s.view == "activations").text)
    assert v["gelu_min"] in step and v["silu_min_x"] in step and v["gelu_relu_gap_peak"] in step


def test_relu_vs_gelu_quotes_shazeers_table_as_the_gating_page_shows_it():
    from model.demos import glu_results
    figures = glu_results.relu_vs_gelu()
    relu, gelu = glu_results.TABLE_1[0], glu_results.TABLE_1[1]
    assert (figures["relu_full"], figures["gelu_full"]) == (f"{relu.full:.3f}", f"{gelu.full:.3f}")
    text = " ".join(m.value for m in run_page("activations", reveal="all").markdown)
    assert f"{figures['gelu_full']} against {figures['relu_full']}" in text and "Shazeer (2020, arXiv)" in text
    from testkit.apptest import tables
    shazeer = next(t for t in tables(run_page("gating", reveal="all")) if "524,288 steps" in t)
    rows = dict(zip(shazeer["FFN"], shazeer["524,288 steps"]))
    assert float(rows[relu.ffn]) == float(figures["relu_full"]) and float(rows[gelu.ffn]) == float(figures["gelu_full"])
