"""The anatomy page on the real SmolLM2-135M in AppTest: the super weight it finds and what zeroing
it does, the massive activations, the kinds of neurons, and its links."""
import pytest

from content.predictions import PREDICTIONS, truth
from testkit.apptest import answer, plotly_figures, revealed, run_page, tables

pytestmark = pytest.mark.model


def _text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture(scope="module")
def page():
    return run_page("anatomy", timeout=180, reveal="all")


def test_the_page_finds_smollm2s_super_weight_and_its_massive_activation(page):
    text = _text(page)
    assert "Candidate: layer 11, W_down[507, 1229]" in text
    titles = [(f["layout"].get("title") or {}).get("text", "") for f in plotly_figures(page)]
    assert any("down_proj" in t for t in titles) and any("dimension 507" in t for t in titles)
    massive = next(t for t in tables(page) if "dimension" in t)
    assert massive["dimension"][0] == "507"
    assert float(massive["× the median"][0].replace(",", "")) >= 1000
    assert "view=intervene" in text and "off=L11n1229" in text and "zero=L11r507c1229" in text


def test_zeroing_the_super_weight_wrecks_perplexity_and_the_large_and_random_ones_do_not(page):
    assert not page.exception  # revealed, the zeroing table shows at once (the reveal has run it)
    study = next(t for t in tables(page) if "weight zeroed" in t)
    ratios = dict(zip(study["weight zeroed"], (float(r.replace(",", "")) for r in study["× as it is"])))
    sw = next(v for k, v in ratios.items() if k.startswith("super weight"))
    randoms = [v for k, v in ratios.items() if k.startswith("random weight")]
    assert sw >= 2 and all(r < 1.1 for r in randoms)
    assert "The model cannot do without it." in _text(page)


def test_the_super_weight_question_comes_before_the_zeroing_and_its_answer_is_the_tables():
    at = run_page("anatomy", timeout=180)
    assert not any("weight zeroed" in t for t in tables(at))  # the zeroing waits for the answer
    answer(at, "anatomy-super-weight", 0, timeout=600)
    t = truth("anatomy-super-weight")
    assert "Not quite." in revealed(at) and PREDICTIONS["anatomy-super-weight"].options[t.answer] in revealed(at)
    study = next(t for t in tables(at) if "weight zeroed" in t)
    rows = dict(zip(study["weight zeroed"], study["perplexity"]))
    zeroed = next(float(v.replace(",", "")) for k, v in rows.items() if k.startswith("super weight"))
    assert f"{zeroed:,.0f}" == t.values["zeroed"] and "W_down[507, 1229]" in t.values["weight"]


def test_kinds_are_counted_with_their_rules_stated(page):
    captions = " ".join(c.value for c in page.caption)
    assert "≥ 10 with skew ≥ 1" in captions and "Counts: prediction" in captions
    assert page.get("plotly_chart") and "Kinds of neurons in each layer" in str(plotly_figures(page)[-1])


def test_massive_values_set_to_zero_break_the_prediction_and_set_to_their_mean_do_not(page):
    page.toggle(key="anatomy.massive").set_value(True).run(timeout=300)
    assert not page.exception
    preds = next(t for t in tables(page) if "the massive values" in t)
    top = dict(zip(preds["the massive values"], (p.rsplit(" ", 1)[0] for p in preds["top prediction"])))
    assert top["set to their mean"] == top["as computed"] != top["set to zero"]
    assert page.query_params["massive"] in ("true", ["true"])


def test_the_key_value_page_zeroes_the_weight_the_link_names_and_refuses_what_is_not_one():
    at = run_page("kv_memory", timeout=180, text="My favourite condiment is mustard. The capital of France is",
                  view="intervene", n_off="0", zero="L11r507c1229,L99r1c1")
    text = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert "W_down[507, 1229]" in text
    assert "L99r1c1" in " ".join(w.value for w in at.warning)
    before, after = (m for m in at.markdown if "Top prediction before" in m.value).__next__().value.split("·")
    assert before.split("**")[1] != after.split("**")[1]  # zeroing one weight changes the top prediction


def test_the_neuron_card_names_a_neurons_kind():
    at = run_page("neurons", timeout=180, layer="29", neuron="1089")
    line = next(m.value for m in at.markdown if "Kind, from its weights" in m.value)
    assert "Suppression neuron" in line and "anatomy" in line
    plain = run_page("neurons", timeout=180, layer="5", neuron="3")
    assert "None of the kinds" in next(m.value for m in plain.markdown if "Kind, from its weights" in m.value)
