"""Concept pages, the tour, the quiz and presentation mode in AppTest."""
import re

import pytest

from content.gallery import GALLERY
from content.tour import STEPS
from content.predictions import PREDICTIONS, truth
from content.quiz import QUESTIONS
from testkit.apptest import answer, plotly_figures, revealed, run_page, tables


def _v(value):
    return value[0] if isinstance(value, list) else value


def _titles(at):
    return [(f["layout"].get("title") or {}).get("text", "") for f in plotly_figures(at)]


def test_why_ffn_sections_and_controls():
    at = run_page("why_ffn", reveal="all")  # every view drawn, as for a teacher
    assert "yes" in " ".join(m.value for m in at.markdown if "hull" in m.value)
    assert at.metric[0].value == "100%" and at.metric[3].value == "yes"
    at.selectbox(key="why.activation").set_value("none").run()
    assert int(at.metric[0].value.rstrip("%")) <= 75
    assert "never get more than 3 of the 4" in at.warning[0].value
    at.selectbox(key="why.c_activation").set_value("relu").run()
    assert at.metric[3].value == "no"
    assert _v(at.query_params["activation"]) == "none" and _v(at.query_params["c_activation"]) == "relu"


def test_why_ffn_url_state_restored():
    at = run_page("why_ffn", dataset="spirals", hidden="32", steps="5000", w_cat="2", reveal="all")
    assert at.selectbox(key="why.dataset").value == "spirals"
    assert at.slider(key="why.steps").value == 2000 and at.slider(key="why.w_cat").value == 1.0
    assert any(t.startswith("spirals") for t in _titles(at))
    assert "steps=5000" in " ".join(w.value for w in at.warning)


def test_positionwise_page():
    at = run_page("positionwise", seq="4", changed="9", reveal="all")
    assert at.slider(key="pos.changed").value == 3
    assert [m.value for m in at.metric] == ["yes, allclose", "no, they moved"]
    at.button(key="pos.again").click().run()
    assert _v(at.query_params["draw"]) == "2"


def test_block_page_shapes_and_code():
    at = run_page("block", d_model="32", d_ff="80", n_heads="4", ffn="gated", activation="silu", seq="5", reveal="all")
    shapes = tables(at)[0]
    assert "(2, 5, 80)" in shapes["shape"] and "gate_proj(x)" in shapes["after"]
    assert "nn.Linear(32, 80" in at.code[0].value and "F.silu(h)" in at.code[0].value
    post = run_page("block", norm_position="post", reveal="all")
    assert "Post-norm block" in " ".join(m.value for m in post.markdown)
    at = run_page("block", d_model="30", n_heads="4", reveal="all")
    assert "divisible" in at.error[0].value


def test_gating_page_table_matches_the_tutorial_numbers():
    at = run_page("gating", reveal="all")
    table = tables(at)[0]
    assert table["parameters"][::2] == ["525,568", "523,776"] and table["d_ff"][2].startswith("682")
    assert any("gated FFN" in t for t in _titles(at))


def test_moe_page_routes_and_counts():
    at = run_page("moe", n_experts="4", top_k="9", reveal="all")
    assert at.slider(key="moe.top_k").value == 4
    assert "13 tokens × 4" in at.metric[0].value
    assert tables(at)[0]["total"][0] == "46,702,792,704"


def test_quiz_feedback():
    """The questions come first, each a prediction; the takeaways after, closed until all are answered."""
    at = run_page("quiz")
    assert not at.get("badge")  # a quiz has no numbers to label
    assert [h.value for h in at.header] == ["Quiz", "Key takeaways"]
    assert [r.key for r in at.radio] == [f"predict.quiz-{q.key}.input" for q in QUESTIONS]
    assert at.expander[0].proto.expanded is False
    answer(at, "quiz-expansion", 2)
    assert "Right." in at.success[0].value and "4×" in at.success[0].value
    answer(at, "quiz-share", 0)
    assert "The answer, computed:** Two thirds" in at.error[0].value
    assert at.metric[0].value == "1 / 8" and "2 answered" in str(at.metric[0].proto)
    assert at.metric[0].proto.direction == at.metric[0].proto.MetricDirection.NONE  # a count: no arrow
    for q in QUESTIONS:
        if f"quiz-{q.key}" not in ("quiz-expansion", "quiz-share"):
            answer(at, f"quiz-{q.key}", truth(f"quiz-{q.key}").answer)
    assert at.metric[0].value == "7 / 8" and at.expander[0].proto.expanded is True
    assert len(at.success) == 7 and len(at.error) == 1


def test_reveal_all_shows_every_quiz_answer():
    at = run_page("quiz", reveal="all")
    assert at.expander[0].proto.expanded is True
    assert not at.radio and all(PREDICTIONS[f"quiz-{q.key}"].options[truth(f"quiz-{q.key}").answer] in revealed(at)
                                for q in QUESTIONS)


@pytest.mark.parametrize("step", range(1, len(STEPS)))  # the last step loads the real model: see test_tour_last_step
def test_tour_step(step):
    def shown(at) -> str:
        return re.sub(r"<abbr[^>]*>|</abbr>", "", " ".join(m.value for m in at.markdown))  # glossary hover marks

    asking = run_page("tour", step=str(step))  # the step's idea waits for the prediction
    assert "Predict first" in shown(asking) and STEPS[step - 1].idea not in shown(asking)
    at = run_page("tour", step=str(step), reveal="all")
    assert at.header[0].value == f"{step}. {STEPS[step - 1].title}"
    intro = [i.value for i in at.info if "minutes" in i.value]  # the other info box is the prediction's reveal
    assert (step == 1) == bool(intro) and (not intro or "8–10 minutes" in intro[0])
    assert STEPS[step - 1].idea in shown(at)


def test_tour_navigation_buttons():
    at = run_page("tour")
    at.button(key="tour.next").click().run()
    assert at.header[0].value.startswith("2.") and _v(at.query_params["step"]) == "2"
    at.button(key="tour.prev").click().run()
    assert at.header[0].value.startswith("1.")
    assert at.button(key="tour.prev").disabled


@pytest.mark.model
def test_tour_last_step():
    at = run_page("tour", step="7", reveal="all")
    assert "' Paris'" in " ".join(m.value for m in at.markdown)
    assert any("Paris" in t for t in _titles(at))


def test_presentation_mode_from_url_enlarges_figures():
    normal = run_page("activations")
    big = run_page("activations", present="true")
    assert plotly_figures(big)[0]["layout"]["font"]["size"] > plotly_figures(normal)[0]["layout"]["font"]["size"]
    assert big.toggle(key="presentation.on").value is True
    assert _v(big.query_params["present"]) == "true"
    svg = run_page("budget", download="svg")
    assert "svg" in svg.get("plotly_chart")[0].proto.config


@pytest.mark.model
def test_concept_page_asks_where_month_neurons_sit_before_it_shows_them():
    at = run_page("concept_neurons", timeout=300)
    assert not tables(at) and "Gallery" not in " ".join(h.value for h in at.header)
    answer(at, "concepts-months-depth", 0)
    t = truth("concepts-months-depth")
    [hits] = tables(at)
    layers = [int(n.split()[0][1:]) for n in hits["neuron"]]
    assert str(sum(layer >= 20 for layer in layers)) == t.values["last"] and t.values["last_range"] == "20–29"
    assert t.answer == 2 and "Mostly in the last third" in revealed(at)  # 10 of 12 in layers 20–29


@pytest.mark.model
def test_concept_page_shows_the_gallery_and_searches_a_typed_list():
    at = run_page("concept_neurons", timeout=300, reveal="all")
    text = " ".join(m.value for m in at.markdown)
    assert "A neuron that writes “his”" in text and "goes from **4.4%** to **1.8%**" in text
    # every gallery entry says that the contexts under it are its key, not what it writes
    assert sum("its key, the input side" in re.sub(r"<[^>]+>", "", c.value) for c in at.caption) == len(GALLERY)
    [hits] = tables(at)
    assert hits["neuron"][0] == "L29 n240" and hits["set in its top 1%"][0] == "12 of 12"
    assert all(h.startswith("kv_memory?") and "off=L" in h for h in hits["hrefs"][1::2])
    at = run_page("concept_neurons", timeout=300, reveal="all", concept="your own list", words="red, green, blue, Xyzzyplugh", hit="1")
    assert "Xyzzyplugh" in " ".join(c.value for c in at.caption)
    [hits] = tables(at)
    assert any("red" in w or "green" in w for w in hits["writes"][:3])
    assert f"{hits['neuron'][1]}: where it fires hardest" in " ".join(m.value for m in at.markdown)


def test_why_ffn_xor_view_opens_on_the_case_its_question_asked():
    at = run_page("why_ffn")
    assert "why.activation" not in [s.key for s in at.selectbox]  # the view waits for the answer
    answer(at, "xor-no-activation", 60)
    assert at.selectbox(key="why.activation").value == "none"  # the reveal quotes no activation: the view shows it
    assert int(at.metric[0].value.rstrip("%")) <= 75 and "never get more than 3 of the 4" in at.warning[0].value
    at.selectbox(key="why.activation").set_value("relu").run()
    assert at.selectbox(key="why.activation").value == "relu" and at.metric[0].value == "100%"  # then it is theirs
    at = run_page("why_ffn", activation="gelu")
    answer(at, "xor-no-activation", 60)
    assert at.selectbox(key="why.activation").value == "gelu"  # a link's own choice stays
