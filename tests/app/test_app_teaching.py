"""The teaching content of the concept pages: attention vs FFN, the smallest widths, AND/XOR, the
presets' expansion ratios, the FFN after attention, Switch and fine-grained experts, Shazeer's table."""
from urllib.parse import parse_qsl

import pytest

from model.demos import moe_designs, width_search
from model.demos.glu_results import TABLE_1
from testkit.apptest import run_page, tables


def _v(value):
    return value[0] if isinstance(value, list) else value


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_why_ffn_compares_attention_with_the_ffn_and_measures_the_smallest_widths():
    at = run_page("why_ffn", reveal="all", timeout=300)
    side_by_side, widths, conditional, ratios = tables(at)
    assert side_by_side[""] == ["scope", "weights on the tokens", "what it computes (for given weights)", "analogy"]
    assert "convex mix" in side_by_side["attention"][2] and "element-wise non-linearity" in side_by_side["FFN"][2]
    expected = {d: width_search.smallest_width(d, "relu").smallest[1.0] for d in ("xor", "circles")}
    shown = dict(zip(widths["data"], widths["smallest width, 100% right"]))
    assert all(shown[d] == str(w) for d, w in expected.items()) and expected["xor"] == 2
    assert conditional["relu(n + p − 1): AND"] == ["0", "0", "0", "1"]
    assert conditional["relu(n − p) + relu(p − n): XOR"] == ["0", "1", "1", "0"]
    assert dict(zip(ratios["model"], ratios["d_ff / d_model"]))["Qwen2.5-0.5B"] == "5.43×"
    assert "Vaswani et al. 2017" in " ".join(m.value for m in at.markdown)
    # the button trains the dataset at its smallest width, and it gets every point right
    spirals = widths["smallest width, 100% right"][2]
    at.button(key="why.try_spirals").click().run()
    assert at.slider(key="why.hidden").value == int(spirals) and at.selectbox(key="why.dataset").value == "spirals"
    assert at.metric[0].value == "100%" and _v(at.query_params["hidden"]) == spirals


def test_why_ffn_without_activation_measures_no_widths():
    at = run_page("why_ffn", activation="none", reveal="all", timeout=300)
    assert any("no width solves" in box.value for box in at.info)  # after the prediction's reveal
    assert len(tables(at)) == 3  # side by side, AND/XOR, ratios: no width table


def test_positionwise_shows_the_ffn_after_causal_attention_and_links_to_two_contexts():
    at = run_page("positionwise", seq="6", changed="3", reveal="all")
    assert at.metric[0].value == "yes, allclose"  # the FFN alone
    after = at.code[1].value
    assert "block(x)[:, :3])  # True" in after and "[:, 3:].norm(dim=-1) > 0).all()  # True" in after
    [link] = at.get("page_link")
    assert link.proto.page == "kv_memory" and link.proto.query_string == "view=contexts"
    assert link.proto.label.startswith("Same word, two contexts")


@pytest.mark.model
def test_the_two_contexts_link_opens_that_view():
    link = run_page("positionwise", reveal="all").get("page_link")[0].proto
    at = run_page(link.page, timeout=300, **dict(parse_qsl(link.query_string)))
    assert at.segmented_control(key="kv.view").value == "contexts" and not at.warning
    assert "The same word in two contexts" in " ".join(s.value for s in at.header)


def test_moe_page_counts_switch_and_fine_grained_experts():
    at = run_page("moe", reveal="all")
    designs = tables(at)[1]
    expected = [*moe_designs.mixtral_variants(), moe_designs.deepseek_moe_16b()]
    assert designs["design"] == [d.name for d in expected]
    assert designs["total"] == [f"{d.total:,}" for d in expected]
    assert designs["active per token"][1] == f"{expected[1].active:,}" and designs["sets of experts"][2] == "593,775"
    assert "Fedus, Zoph and Shazeer 2022" in " ".join(m.value for m in at.markdown)
    assert "16.4B in all" in _captions(at)


def test_gating_page_prints_shazeers_table_1():
    at = run_page("gating", reveal="all")
    shazeer = tables(at)[1]
    assert shazeer["FFN"] == [r.ffn for r in TABLE_1] and shazeer["524,288 steps"][5] == "1.633"
    assert "every gated FFN ended below every ungated one; FFN_GEGLU was lowest" in _captions(at)


def test_activations_page_names_the_dying_relu_beside_its_dead_zone():
    assert "dying ReLU" in _captions(run_page("activations", reveal="all"))
    assert "dying ReLU" not in _captions(run_page("activations", activations="gelu,silu", reveal="all"))
