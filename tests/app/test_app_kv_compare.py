"""The key-value page's "Two models" view in AppTest, with the real SmolLM2-135M and Gemma 3 270M: the
same text through both, each with its own tokens, prediction, logit lens, top writers and FFN shape."""
import pytest
import torch

from model.lm import gemma3_package, registry
from testkit.apptest import plotly_figures, run_page, tables

pytestmark = pytest.mark.model

SMOL, GEMMA = registry.BUNDLED, gemma3_package.KEY
TEXT = "The capital of France is"


def _v(value):
    return value[0] if isinstance(value, list) else value


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def _own_prediction(key: str) -> tuple[str, float, int]:
    """The model's top next token after TEXT (its text, probability) and its token count, from a plain
    forward pass of the model on the shelf the page used (no trace, no page code)."""
    import serving
    from model.lm import kv_memory as kv

    lm = serving.load_model(key)
    ids = lm.tokenizer.encode(TEXT).ids
    with torch.inference_mode():
        probs = lm.model(torch.tensor([ids]))[0, -1].softmax(-1)
    top = int(probs.argmax())
    return kv.token_text(lm.tokenizer, top), float(probs[top]), len(ids)


@pytest.fixture(scope="module")
def compared():
    if not gemma3_package.installed():
        pytest.fail(f"Gemma 3 270M is not installed: {gemma3_package.INSTALL_HINT}")
    return run_page("kv_memory", timeout=300, view="compare")


def test_a_swiglu_and_a_geglu_model_side_by_side(compared):
    at = compared
    assert _v(at.query_params["compare"]) == GEMMA
    shape, smol_writers, gemma_writers = tables(at)
    smol_name, gemma_name = list(shape)[1:3]
    assert (smol_name, gemma_name) == ("SmolLM2-135M-Instruct", "gemma-3-270m")
    rows = dict(zip(shape[""], zip(shape[smol_name], shape[gemma_name])))
    assert rows["FFN"] == ("SwiGLU", "GeGLU") and rows["vocabulary"] == ("49,152", "262,144")
    assert rows["d_ff (neurons per layer)"] == ("1,536", "2,048") and rows["layers"] == ("30", "18")
    assert rows["parameters"] == ("134,515,008", "268,098,176")
    # the 262k-token vocabulary takes most of Gemma 3 270M, and its FFNs the smaller share
    assert float(rows["embedding share of the parameters"][1].rstrip("%")) > 60
    assert float(rows["FFN share of the parameters"][1].rstrip("%")) < float(rows["FFN share of the parameters"][0]
                                                                             .rstrip("%"))
    text = _text(at)
    for key, name in ((SMOL, smol_name), (GEMMA, gemma_name)):  # each column is its own model's reading
        token, p, n_tokens = _own_prediction(key)
        assert f"**{name}**: {n_tokens} tokens" + (", the first its BOS token" if key == GEMMA else "") in text
        bars = next(f for f in plotly_figures(at) if f["layout"]["title"]["text"] == f"{name}: top 5 next tokens")
        assert bars["data"][0]["y"][0] == repr(token) and bars["data"][0]["x"][0] == pytest.approx(p, abs=1e-4)
    lens = next(f for f in plotly_figures(at) if f["layout"]["title"]["text"] == "Where each model's prediction forms")
    assert [len(t["y"]) for t in lens["data"]] == [61, 37]  # the embedding, then attention and FFN per layer
    assert smol_writers["neuron"][0] == "L24 n1005" and len(gemma_writers["neuron"]) == 8
    assert all(int(n.split()[0][1:]) < 18 for n in gemma_writers["neuron"])  # Gemma's own 18 layers


def test_the_prediction_of_each_is_read_by_the_other(compared):
    text = _text(compared)
    gemma_token = _own_prediction(GEMMA)[0]
    if gemma_token == " Paris":
        assert "Both models predict ' Paris'" in text
    else:
        assert f"gemma-3-270m gives SmolLM2-135M-Instruct's ' Paris' " in text
        assert f"SmolLM2-135M-Instruct gives gemma-3-270m's {gemma_token!r} " in text


def test_gemma_first_compares_with_smollm2_by_default():
    at = run_page("kv_memory", timeout=300, view="compare", model=GEMMA)
    assert _v(at.query_params["compare"]) == SMOL
    assert list(tables(at)[0])[1:3] == ["gemma-3-270m", "SmolLM2-135M-Instruct"]


@pytest.mark.parametrize("query, notice", [
    ({"compare": "<script>alert(1)</script>"}, True),
    ({"compare": ""}, True),
    ({"compare": "../../etc/passwd"}, True),
    ({"compare": "gemma3-270m\u202e"}, True),
    ({"compare": " GEMMA3-270M "}, False),  # read as the key it spells
    ({"compare": SMOL}, False),  # the page's own model: compared with the other one instead
    ({"compare": GEMMA, "model": GEMMA}, False),
])
def test_hostile_compare_values(query, notice):
    at = run_page("kv_memory", timeout=300, view="compare", **query)
    notices = " ".join(w.value for w in at.warning)
    assert ("`compare=" in notices) == notice, notices
    assert "<script" not in " ".join(m.value for m in at.markdown if "<table" in m.value)
    own = _v(at.query_params["model"]) if "model" in at.query_params else SMOL
    assert _v(at.query_params["compare"]) == (SMOL if own == GEMMA else GEMMA)
    assert len(tables(at)) == 3  # the shape table and both models' writers


def test_a_pair_over_the_memory_cap_is_not_loaded(monkeypatch):
    import serving

    monkeypatch.setenv("FFNLAB_MAX_MODEL_MB", "1100")  # a hosted replica's cap (deploy/settings/ffnlab.env)
    serving.shelf.clear()
    try:
        at = run_page("kv_memory", timeout=300, view="compare")
        text = _text(at)
        assert "at most 1,100 megabytes" in text and "1,536 megabytes together" in text and not tables(at)
        assert serving.shelf().keys() == [SMOL]  # Gemma 3 was not loaded (it would put SmolLM2 away)
    finally:
        monkeypatch.delenv("FFNLAB_MAX_MODEL_MB")
        serving.shelf.clear()
