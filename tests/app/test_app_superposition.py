"""The superposition page in AppTest: its prediction, its default figures, its controls and bad links."""
import time

from components.concepts import superposition_views as views
from content.predictions import PREDICTIONS, settle
from model.demos import superposition as sp
from testkit.apptest import plotly_figures, run_page, tables

PID = "superposition-five-in-two"


def _titles(at) -> list[str]:
    return [(f["layout"].get("title") or {}).get("text", "") for f in plotly_figures(at)]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _answer(at, pid: str, value: int) -> None:
    at.number_input(key=f"predict.{pid}.input").set_value(value)
    next(b for b in at.button if b.label == "Lock in my prediction" and pid in b.form_id).click().run()
    assert not at.exception


def test_each_prediction_comes_before_its_view_and_its_answer_is_the_view():
    at = run_page("superposition", timeout=120)
    assert _titles(at) == [] and not at.metric  # both views wait for their predictions
    assert len([e for e in at.button if e.label == "Lock in my prediction"]) == 2
    _answer(at, PID, 3)
    reveal = " ".join(e.value for e in at.error)  # a wrong answer's reveal
    assert "You predicted: 3 features" in reveal and "The answer, computed:** 5 features" in reveal
    assert "72°" in reveal and "keeps only 2" in reveal
    assert _titles(at) == ["5 features in 2 dimensions at sparsity 0.9",
                           "WᵀW: how much each pair of features overlaps", "Which features are represented: ‖Wᵢ‖",
                           "The phase change: from dropping features to superposition"]
    assert _metrics(at)["Represented"] == "5 of 5" and "Polysemantic" not in _metrics(at)
    _answer(at, "polysemantic-neurons", 5)
    right = " ".join(e.value for e in at.success)
    figures = settle(PREDICTIONS["polysemantic-neurons"]).values  # as the page's cached views computed them
    assert "You predicted: 5 neurons" in right and f"{figures['held']} instead of {figures['free']}" in right
    assert float(figures["held"]) > float(figures["free"]) and f"{figures['computed']} signed cases" in right
    assert _titles(at)[4:] == ["W₁: what each hidden neuron reads",
                               "Neuron 0: what makes it fire, one feature at a time"]
    assert _metrics(at)["Polysemantic"] == "5 of 5"


def test_default_figures_and_the_papers_checks_with_every_answer_shown():
    at = run_page("superposition", timeout=120, reveal="all")
    assert not at.warning
    assert len(_titles(at)) == 6
    metrics = _metrics(at)
    assert metrics["Represented"] == "5 of 5" and metrics["In superposition"] == "5"
    assert metrics["Cases computed"].endswith("of 20") and metrics["Polysemantic"].endswith("of 5")
    assert int(metrics["Cases computed"].split()[0]) > int(metrics["Without sharing, at most"]) == 5
    checks = tables(at)[0]
    assert checks["represented"] == ["5 of 5", "2 of 5"]
    assert all(abs(float(a.rstrip("°")) - 72) <= 5 for a in checks["angles between neighbours"][0].split(", "))
    card = tables(at)[1]
    assert card["activation"] and all("x" in row for row in card["features on in that input"])
    bridge = " ".join(m.value for m in at.markdown if "Towards" in m.value)
    assert f"is {views.explanation_median():.2f}" in bridge and "Dunefsky" in bridge and "Gao et al. 2024" in bridge
    assert any(link.proto.page.endswith("neurons") or "neurons" in link.proto.page for link in at.get("page_link"))


def test_a_rerun_trains_nothing(monkeypatch):
    """The default view's models come from the cache on a rerun (and for every later visitor)."""
    at = run_page("superposition", timeout=120, reveal="all")

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(sp, "train_sweep", no_training)
    monkeypatch.setattr(sp, "train_abs", no_training)
    start = time.perf_counter()
    at.run()
    assert not at.exception and len(_titles(at)) == 6
    assert time.perf_counter() - start < 5.0  # what is left: drawing (about 0.05 s on an idle machine)


def test_controls_change_the_view_and_land_in_the_url():
    at = run_page("superposition", timeout=120, reveal="all")
    at.slider(key="sup.m").set_value(3).run()
    at.select_slider(key="sup.sparsity").set_value("0").run()
    assert not at.exception
    titles = _titles(at)
    assert "5 features in 2 dimensions at sparsity 0.9" not in titles  # no arrows for m = 3
    assert titles[0] == "Which features are represented: ‖Wᵢ‖"
    assert _metrics(at)["Represented"] == "3 of 5" and _metrics(at)["In superposition"] == "0"
    assert at.query_params["m"] in ("3", ["3"]) and at.query_params["sparsity"] in ("0", ["0"])
    at.number_input(key="sup.neuron").set_value(2).run()
    assert "Neuron 2: what makes it fire, one feature at a time" in _titles(at)


def test_bad_link_parameters_give_a_notice_not_a_traceback():
    at = run_page("superposition", timeout=120, reveal="all", n="99", m="junk", sparsity="0.42", decay="<b>x</b>",
                  a_m="0", neuron="-3")
    notices = " ".join(w.value for w in at.warning)
    assert "`n=99` is outside 2–32" in notices and "`m=junk` is not a whole number" in notices
    assert "`sparsity=0.42` is not one of" in notices and "`decay=<b>x</b>` is not one of" in notices
    assert "`a_m=0` is outside" in notices and "`neuron=-3` is outside" in notices
    assert at.slider(key="sup.n").value == 32 and at.slider(key="sup.m").value == 2
    assert _metrics(at)["Represented"].endswith("of 32")
    # m above n is fitted to n
    at = run_page("superposition", timeout=120, reveal="all", n="3", m="8", a_m="2", neuron="9")
    assert at.slider(key="sup.m").value == 3 and at.number_input(key="sup.neuron").value == 1
