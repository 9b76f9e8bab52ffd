"""The real pages, run through app.py's router in Streamlit's AppTest."""
import pytest

from testkit.apptest import plotly_figures, run_page


def test_home_links_every_page():
    at = run_page("home")
    assert at.title[0].value == "FFN Lab"
    from components.shared.registry import PAGES
    links = [e.proto.page for e in at.get("page_link")]
    assert links == [p.url_path for p in PAGES if p.url_path != "home"]


def test_activations_defaults_and_url():
    at = run_page("activations", reveal="all")
    figs = plotly_figures(at)
    assert [t["name"] for t in figs[0]["data"]] == ["ReLU", "GELU (exact, erf)", "SiLU / Swish"]
    assert at.query_params["d_model"] == ["256"] or at.query_params["d_model"] == "256"
    assert not at.warning


def test_activations_controls_change_the_figures():
    at = run_page("activations", reveal="all")
    at.toggle(key="act.derivative").set_value(True)
    at.multiselect(key="act.activations").set_value(["gelu_tanh"])
    at.slider(key="act.d_model").set_value(512)
    at.selectbox(key="act.ffn_activation").set_value("gelu")
    at.run()
    assert not at.exception
    figs = plotly_figures(at)
    assert [t["name"] for t in figs[0]["data"]] == ["GELU (tanh approx.)", "GELU (tanh approx.) ′"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exactly zero"] == "0.0%" and metrics["FFN parameters"] == f"{2 * 512 * 1024 + 1024 + 512:,}"
    qp = dict(at.query_params)
    assert _v(qp["derivative"]) == "true" and _v(qp["activations"]) == "gelu_tanh" and _v(qp["d_model"]) == "512"


def _v(value):
    return value[0] if isinstance(value, list) else value


def test_activations_restores_url_state_and_reports_bad_values():
    at = run_page("activations", activations="silu,relu2", derivative="1", d_model="5000", d_ff="abc",
                  ffn_activation="<script>alert(1)</script>", glu="reglu", reveal="all")
    assert at.multiselect(key="act.activations").value == ["silu", "relu2"]
    assert at.toggle(key="act.derivative").value is True
    assert at.slider(key="act.d_model").value == 1024
    assert at.slider(key="act.d_ff").value == 1024
    assert at.selectbox(key="act.ffn_activation").value == "relu"
    warnings = " ".join(w.value for w in at.warning)
    assert "clamped to `1024`" in warnings and "d_ff=abc" in warnings and "ffn_activation" in warnings
    assert "ReGLU" in plotly_figures(at)[3]["layout"]["title"]["text"]


def test_budget_gpt2_matches_published_and_torch():
    at = run_page("budget", reveal="all")
    text = " ".join(s.value for s in at.success)
    assert "124,439,808" in text and "matched to the parameter" in text and "identical" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Total parameters"] == "124M" and metrics["FFN share, non-embedding"] == "66.6%"
    pies = plotly_figures(at)[:2]
    assert sum(pies[1]["data"][0]["values"]) == 124_439_808


def test_budget_preset_from_url_and_selector():
    at = run_page("budget", preset="mixtral-8x7b")
    assert at.number_input(key="budget.n_experts").value == 8
    assert "46,702,792,704 (12,879,925,248 active)" in at.success[0].value
    at.selectbox(key="budget.preset").set_value("smollm2-135m").run()
    assert at.number_input(key="budget.d_model").value == 576
    assert "134,515,008" in at.success[0].value
    assert _v(at.query_params["preset"]) == "smollm2-135m"


def test_budget_notices_each_bad_parameter_once_and_keeps_them_on_rerun():
    # the page restores its preset and its fields in two calls; each notice belongs to one
    at = run_page("budget", preset="llama-2-7b", d_model="huge")
    notices = [w.value for w in at.warning]
    assert len(notices) == 2 and "preset=llama-2-7b" in notices[0] and "d_model=huge" in notices[1]
    at.run()
    assert [w.value for w in at.warning] == notices


def test_budget_controls_and_ratio_buttons():
    at = run_page("budget")
    at.number_input(key="budget.d_model").set_value(256)
    at.number_input(key="budget.n_heads").set_value(8)
    at.number_input(key="budget.n_kv_heads").set_value(8)
    at.run()
    at.button(key="budget.btn_83").click().run()
    assert at.number_input(key="budget.d_ff").value == 682
    at.button(key="budget.btn_llama").click().run()
    assert at.number_input(key="budget.d_ff").value == 768
    at.button(key="budget.btn_4x").click().run()
    assert at.number_input(key="budget.d_ff").value == 1024
    assert "modified" in at.header[0].value
    assert not at.exception


def test_budget_impossible_config_is_explained():
    at = run_page("budget", d_model="100", n_heads="3")
    assert "must be divisible by n_heads" in at.error[0].value
    at = run_page("budget", n_kv_heads="5")
    assert "multiple of n_kv_heads" in at.error[0].value


@pytest.mark.model
def test_budget_counts_a_real_model_file_to_the_parameter(tmp_path, monkeypatch):
    from testkit.gguf_files import write_llama

    at = run_page("budget")
    at.selectbox(key="budget.count_file").set_value("smollm2-135m").run()
    assert "count every one of its 11 kinds of tensor exactly, 134,515,008 parameters" in at.success[-1].value
    # a file whose metadata claims wider FFNs than its tensors have: the three FFN matrices differ
    monkeypatch.setenv("FFNLAB_MODELS", str(write_llama(tmp_path / "lie.gguf", claimed_d_ff=64)))
    at = run_page("budget")
    at.selectbox(key="budget.count_file").set_value("lie").run()
    assert "3 kinds of tensor differ from this page's formulas" in at.error[-1].value
    assert not at.exception


def test_budget_bad_url_values():
    at = run_page("budget", preset="gpt5", n_layers="-4", bias="perhaps", vocab="1e99")
    notices = " ".join(w.value for w in at.warning)
    assert "preset=gpt5" in notices and "n_layers=-4" in notices and "bias=perhaps" in notices
    assert at.number_input(key="budget.n_layers").value == 1
    assert at.number_input(key="budget.vocab").value == 1_000_000
