"""The concept and mechanics pages' predictions in AppTest: each page asks before the view that
settles it and hides that view until answered, and once revealed the view shows the very figure the
prediction's answer was computed from (content/predictions.py; components/*/answers.py)."""
from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from content.predictions import PREDICTIONS, truth
from testkit.apptest import plotly_figures, run_page, tables

ASKED = {  # page: the predictions it asks, in order
    "positionwise": ["positionwise-change"],
    "block": ["block-first-linear"],
    "gating": ["gating-parameters"],
    "moe": ["moe-active-share"],
    "activations": ["tour-activation-order", "activations-relu-zeros"],
    "budget": ["budget-ffn-share", "tour-ffn-share"],
}


def _text(at) -> str:
    return re.sub(r"<abbr[^>]*>|</abbr>", "", " ".join(m.value for m in at.markdown))


def _answer_text(pid: str) -> str:
    p = PREDICTIONS[pid]
    return p.show(truth(pid).answer)


@pytest.mark.parametrize("page", list(ASKED))
def test_the_page_asks_first_and_hides_what_settles_it(page):
    asking = run_page(page)
    first = PREDICTIONS[ASKED[page][0]]
    text = _text(asking)
    assert "Predict first" in text and first.prompt.split("{")[0][:30] in text
    revealed = run_page(page, reveal="all")
    assert len(revealed.markdown) > len(asking.markdown)
    assert all(_answer_text(pid) in " ".join(i.value for i in revealed.info) for pid in ASKED[page])


def test_positionwise_view_moves_the_positions_its_answer_names():
    at = run_page("positionwise", reveal="all")
    assert not plotly_figures(run_page("positionwise"))  # both charts wait for the answer
    alone, after = plotly_figures(at)
    ffn_alone = next(t for t in alone["data"] if t["name"].startswith("FFN"))["y"]
    ffn_after = next(t for t in after["data"] if t["name"] == "FFN after causal attention")["y"]
    moved = lambda ys: [i for i, y in enumerate(ys) if y > 1e-6]  # noqa: E731
    said = PREDICTIONS["positionwise-change"].show(truth("positionwise-change").answer)
    assert said == (f"FFN alone: position {moved(ffn_alone)[0]} only; after causal attention: positions "
                    f"{moved(ffn_after)[0]} to {moved(ffn_after)[-1]}") and len(moved(ffn_alone)) == 1
    # the tour's first step asks the same measurement: the FFN alone leaves the other positions be
    assert at.metric[0].value == "yes, allclose" and truth("tour-mixing-positions").answer == 2


def test_block_shape_walk_shows_the_shape_its_answer_names():
    walk = tables(run_page("block", reveal="all"))[0]
    shape = dict(zip(walk["after"], walk["shape"]))["up_proj(x) (pre-activation)"]
    assert shape == _answer_text("block-first-linear") == "(2, 8, 256)"


def test_gating_table_shows_the_ratio_its_answer_rounds():
    table = tables(run_page("gating", reveal="all"))[0]
    same_width = table["against standard"][1]
    assert table["d_ff"][1].startswith("1,024 (4×)") and table["parameters"][1] == f"{3 * 256 * 1024:,}"
    assert round(float(same_width.rstrip("×")), 2) == truth("gating-parameters").answer == 1.5
    assert same_width == f"{truth('gating-parameters').values['exact']}×"


def test_moe_table_shows_the_share_its_answer_names():
    table = tables(run_page("moe", reveal="all"))[0]
    assert table["active share"][0] == f"{truth('moe-active-share').answer:.1f}%" == "27.6%"


def test_budget_metrics_show_the_shares_its_answers_name():
    asking = run_page("budget")
    assert "FFN share of all" not in [m.label for m in asking.metric] and len(plotly_figures(asking)) == 1  # FLOPs
    metrics = {m.label: m.value for m in run_page("budget", reveal="all").metric}
    assert metrics["FFN share of all"] == _answer_text("budget-ffn-share") == "45.5%"
    assert metrics["FFN share, non-embedding"] == _answer_text("tour-ffn-share") == "66.6%"


def _array(data) -> np.ndarray:
    """A plotly trace's x or y: a list, or typed binary data ({'dtype', 'bdata'})."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data, dtype=float)


def test_activation_curves_cross_x_minus_1_in_the_answers_order():
    curves = plotly_figures(run_page("activations", reveal="all"))[0]["data"]
    at_minus_1 = {}
    for trace in curves:
        x, y = _array(trace["x"]), _array(trace["y"])
        i = int(np.abs(x + 1.0).argmin())
        assert abs(x[i] + 1.0) < 1e-9  # the plotted grid holds x = −1 itself
        at_minus_1[trace["name"].split()[0]] = y[i]
    assert set(at_minus_1) == {"ReLU", "GELU", "SiLU"}
    order = sorted(at_minus_1, key=at_minus_1.get)
    assert " → ".join(order) == _answer_text("tour-activation-order") == "SiLU → GELU → ReLU"


def test_live_ffn_counts_the_zeros_its_answer_names():
    asking = run_page("activations")
    assert "Exactly zero" not in [m.label for m in asking.metric]
    metrics = {m.label: m.value for m in run_page("activations", reveal="all").metric}
    assert metrics["Exactly zero"] == _answer_text("activations-relu-zeros") == "50.2%"


def test_tour_hull_step_draws_the_output_where_its_answer_puts_it():
    at = run_page("tour", step="2", reveal="all")
    captions = " ".join(c.value for c in at.caption)
    assert "as a star, inside the outline" in captions
    assert _answer_text("tour-hull") == "Inside the region the four vectors enclose"


def test_answering_on_the_page_reveals_the_view():
    at = run_page("block")
    assert not tables(at)
    at.radio(key="predict.block-first-linear.input").set_value(0)
    at.button[0].click().run()
    assert "**Not quite.** You predicted: (2, 8, 64)" in " ".join(e.value for e in at.error)
    assert tables(at) and at.session_state["predict.answers"]["block-first-linear"] == 0
