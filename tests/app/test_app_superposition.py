"""The superposition page in AppTest: its prediction, its default figures, its controls and bad links."""
import time

from components.concepts import superposition_views as views
from testkit.apptest import plotly_figures, run_page, tables

PID = "superposition-five-in-two"


def _titles(at) -> list[str]:
    return [(f["layout"].get("title") or {}).get("text", "") for f in plotly_figures(at)]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_prediction_comes_before_the_toy_model_and_its_answer_is_the_view():
    at = run_page("superposition", timeout=120)
    titles = _titles(at)
    # sections 3 and 4 draw at once; the toy model waits for the prediction
    assert titles == ["W₁: what each hidden neuron reads", "Neuron 0: what makes it fire, one feature at a time"]
    assert "Represented" not in _metrics(at)
    at.number_input(key=f"predict.{PID}.input").set_value(3)
    next(b for b in at.button if b.label == "Lock in my prediction").click().run()
    assert not at.exception
    reveal = " ".join(e.value for e in at.error)  # a wrong answer's reveal
    assert "You predicted: 3 features" in reveal and "The answer, computed:** 5 features" in reveal
    assert "72°" in reveal and "keeps only 2" in reveal
    assert _titles(at)[:4] == ["5 features in 2 dimensions at sparsity 0.9",
                               "WᵀW: how much each pair of features overlaps", "Which features are represented: ‖Wᵢ‖",
                               "The phase change: from dropping features to superposition"]
    assert _metrics(at)["Represented"] == "5 of 5"


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
    start = time.perf_counter()
    at.run()  # a rerun reads every trained model from the cache
    assert time.perf_counter() - start < 3.0 and not at.exception


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
