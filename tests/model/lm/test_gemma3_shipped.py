"""Gemma 3 270M's neuron dictionary, explanations and weight statistics ship beside SmolLM2's: they
belong to the file the package assembles, cover every one of its 18 x 2,048 neurons over the same
corpus, score above their shuffled baseline, and its neuron dictionary page opens with them at once."""
import numpy as np
import pytest

from components.shared import glossary as gloss
from model.lm import build_dictionary, build_explanations, gemma3_package, gguf_loader
from model.lm import explanation_words as ew
from model.lm import neuron_dictionary as nd
from model.lm import neuron_kinds
from model.lm.kv_memory import token_text
from testkit.apptest import run_page

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def gemma():
    if not gemma3_package.installed():
        pytest.fail(f"Gemma 3 270M is not installed: {gemma3_package.INSTALL_HINT}")
    lm = gguf_loader.load(gemma3_package.gguf_path())
    return lm, build_dictionary.load_builtin(lm.source)


def test_its_dictionary_ships_for_its_file_and_corpus(gemma):
    lm, d = gemma
    assert d is not None, "Gemma 3 270M's dictionary ships in model/lm/dictionaries/"
    assert build_dictionary.shipped_path(lm.source).is_file()
    assert d.model_key == nd.model_key(lm.source) and d.corpus_tokens == 0  # complete, not a partial build
    L, F = lm.config.n_layers, lm.config.d_ff
    assert (L, F) == (18, 2048) and d.top_values.shape[:2] == (L, F)
    assert (d.hist.sum(-1) == d.n_tokens).all() and d.n_tokens > 300_000
    # the same corpus as SmolLM2's, in Gemma's own tokens
    smol = build_dictionary.load_builtin(gguf_loader.load().source)
    assert d.sources == smol.sources and len(d.doc_starts) == len(smol.doc_starts)


def test_its_explanations_score_above_their_shuffled_baseline(gemma):
    lm, d = gemma
    e = build_explanations.load_builtin(lm.source, d)
    assert e is not None and e.explains(d) and build_explanations.shipped_path(lm.source).stat().st_size <= 20e6
    s = ew.summary(e)
    assert s.neurons == 18 * 2048 and e.covers_held_out.shape == (2, 18, 2048, 8)
    assert abs(s.shuffled_corr) < 0.05
    assert s.median_top_random > s.shuffled_top_random + 0.1


def test_its_weight_statistics_ship(gemma):
    lm, _ = gemma
    shipped, _ = neuron_kinds.stats_path(lm.source, build_dictionary.SHIPPED)
    assert shipped.is_file()
    stats = neuron_kinds.load_saved(lm.model, lm.source, build_dictionary.SHIPPED)
    assert stats is not None and stats.norm.shape == (18, 2048) and np.isfinite(stats.kurtosis).all()


def test_its_dictionary_page_shows_a_neurons_lines_at_once(gemma):
    lm, d = gemma
    e = build_explanations.load_builtin(lm.source, d)
    at = run_page("neurons", timeout=180, model=gemma3_package.KEY, layer="9", neuron="3", words="digits")
    shown = " ".join(m.value for m in at.markdown)
    vocab = ew.Vocab.of([token_text(lm.tokenizer, i) for i in range(lm.config.vocab_size)])
    for sign in range(2):
        assert gloss.md_escape(ew.line(e, sign, 9, 3, vocab)) in shown
        assert ew.coverage_words(ew.coverage(e, sign, 9, 3)) in shown
        assert "\ufffd" not in ew.writes(e, sign, 9, 3, vocab)  # what it writes skips byte pieces
    assert not any("build" in p.text.lower() for p in at.get("progress")), "no build should start: it ships"
