"""The neuron dictionary on a tiny corpus with the real model, the dictionary that ships, and its page."""
import numpy as np
import pytest
import torch

from components.lm.dictionary_views import MAX_UPLOAD_CHARS, decode_upload
from model.lm import build_dictionary, corpus
from model.lm import readout as ro
from model.lm import neuron_dictionary as nd
from testkit.apptest import run_page, tables

pytestmark = pytest.mark.model
DOCS = ["The capital of France is Paris.", "We flew to Paris in May.", "def f(x):\n    return x + 1",
        "One, two, three, four."]


@pytest.fixture(scope="module")
def tiny(lm):
    return nd.build(lm.model, lm.tokenizer, DOCS, sources=["facts", "travel", "code", "facts"], model_source=lm.source)


@pytest.fixture(scope="module")
def shipped(lm):
    d = build_dictionary.load_builtin(lm.source)
    assert d is not None, "the dictionary of the bundled model ships in model/lm/dictionaries/"
    return d


def test_top_contexts_are_the_true_maxima(lm, tiny):
    # recompute one layer's coefficients over the packed windows and compare with what was kept
    coeffs = torch.cat([lm.model.trace(torch.tensor(ids), logits="none").coeffs
                        for _, ids in nd.windows([lm.tokenizer.encode(d).ids for d in DOCS])], dim=1)
    layer = 7
    want = coeffs[layer].T.topk(nd.TOP_K, dim=-1)
    np.testing.assert_allclose(tiny.top_values[layer], want.values.numpy(), rtol=1e-5, atol=1e-5)
    assert (tiny.top_positions[layer] == want.indices.numpy()).mean() > 0.99  # ties may swap
    assert tiny.hist.shape[:2] == (30, 1536) and (tiny.hist.sum(-1) == tiny.n_tokens).all()


def test_contexts_stay_inside_their_document(tiny, lm):
    start = int(tiny.doc_starts[1])
    ids, at = tiny.context(start + 2, before=10)
    assert ids[0] == tiny.ids[start] and at == 2
    assert lm.tokenizer.decode(ids).startswith("We flew")


def test_save_and_load_round_trip(tiny, tmp_path):
    tiny.save(tmp_path / "d.npz")
    back = nd.NeuronDictionary.load(tmp_path / "d.npz")
    assert all(np.array_equal(getattr(back, f), getattr(tiny, f)) for f in nd.ARRAYS + ("doc_sources",))
    assert back.sources == ("code", "facts", "travel") and back.model_key == tiny.model_key != ""
    assert back.source_of(int(back.doc_starts[1]) + 1) == "travel"
    # the cache key of views computed from a dictionary: the same corpus and model give the same key
    assert back.fingerprint == tiny.fingerprint
    other = nd.NeuronDictionary.load(tmp_path / "d.npz")
    other.ids = other.ids[::-1].copy()
    assert other.fingerprint != tiny.fingerprint


def test_an_upload_is_cached_per_model(lm, tmp_path):
    """A user's text read by one model is never served as another model's dictionary."""
    first = nd.load_or_build(lm.model, lm.tokenizer, DOCS[:2], tmp_path, model_source=lm.source)
    assert first.model_key == nd.model_key(lm.source) and len(list(tmp_path.glob("dictionary-*.npz"))) == 1
    again = nd.load_or_build(lm.model, lm.tokenizer, DOCS[:2], tmp_path, model_source=lm.source)
    assert again.fingerprint == first.fingerprint  # read back from the cache
    other_file = tmp_path / "other.gguf"
    other_file.write_bytes(b"another model")
    other = nd.load_or_build(lm.model, lm.tokenizer, DOCS[:2], tmp_path, model_source=other_file)
    assert other.model_key == nd.model_key(other_file) and other.fingerprint != first.fingerprint
    assert len(list(tmp_path.glob("dictionary-*.npz"))) == 2


def test_search_by_token(lm, tiny):
    paris = lm.tokenizer.encode(" Paris").ids[0]
    firing, seen = nd.neurons_firing_on(lm.model, tiny, paris, k=5)
    assert seen == 2 and len(firing) == 5
    shares = [f.share_of_peak for f in firing]
    assert shares == sorted(shares, reverse=True) and shares[0] > 0
    for f in firing:  # each on its own scale: the mean over its strongest firing of the same sign
        extreme = tiny.peak[f.layer, f.neuron] if f.mean_m >= 0 else tiny.trough[f.layer, f.neuron]
        assert f.share_of_peak == pytest.approx(f.mean_m / float(extreme), rel=1e-5) and f.share_of_peak > 0
    promoting = nd.neurons_promoting(lm.model, paris, k=5)
    layer, neuron, score = promoting[0]
    direct = float(ro.vocab_projection(lm.model, ro.value_vector(lm.model, layer, neuron))[paris])
    assert direct == pytest.approx(score, rel=1e-4)
    _, unseen = nd.neurons_firing_on(lm.model, tiny, lm.tokenizer.encode(" zebra").ids[0])
    assert unseen == 0


def test_windows_pack_documents_without_splitting_them():
    docs = [[1] * 100, [2] * 100, [3] * 100, [4] * 300]
    chunks = nd.windows(docs)
    assert [(s, len(ids)) for s, ids in chunks] == [(0, 200), (200, 100), (300, 256), (556, 44)]


def test_reading_corpus_is_varied_and_large(lm):
    docs = corpus.reading_corpus()
    tokens: dict[str, int] = {}
    for d in docs:
        tokens[d.source] = tokens.get(d.source, 0) + len(lm.tokenizer.encode(d.text).ids)
    total = sum(tokens.values())
    assert total >= 300_000
    assert set(tokens) == {"our sentences", *corpus.BUDGET}
    assert tokens["code and technical"] / total < 0.15  # code is a minority
    assert max(tokens.values()) / total < 0.5  # no kind of text dominates
    assert corpus.reading_corpus() == docs  # deterministic


def test_the_shipped_dictionary_is_this_model_over_this_corpus(lm, shipped):
    docs = corpus.reading_corpus()
    doc_ids = [ids for ids in (lm.tokenizer.encode(d.text).ids for d in docs) if ids]
    assert shipped.n_tokens >= 300_000 and shipped.model_key == nd.model_key(lm.source)
    assert np.array_equal(shipped.ids, np.concatenate(doc_ids))
    assert set(shipped.source_shares()) == {d.source for d in docs}
    assert (shipped.hist.sum(-1) == shipped.n_tokens).all()
    # recorded maxima are reproduced by the model on the window that holds them
    windows = nd.windows(doc_ids)
    starts = np.array([s for s, _ in windows])
    for layer, neuron in [(0, 5), (14, 700), (29, 1535)]:
        position = int(shipped.top_positions[layer, neuron, 0])
        w = int(np.searchsorted(starts, position, side="right")) - 1
        start, ids = windows[w]
        m = lm.model.trace(torch.tensor(ids), logits="none").coeffs[layer, position - start, neuron]
        assert float(m) == pytest.approx(float(shipped.top_values[layer, neuron, 0]), rel=1e-3, abs=1e-3)


def test_upload_checks():
    assert decode_upload("héllo".encode())[0] == "héllo"
    assert "not UTF-8" in decode_upload(b"\xff\xfe\x00bad")[1]
    assert "empty" in decode_upload(b"  \n")[1]
    assert "limit" in decode_upload(b"a" * (MAX_UPLOAD_CHARS + 1))[1]


def test_page_shows_a_neuron_card_from_the_url():
    at = run_page("neurons", layer="24", neuron="1005", token=" capital")
    text = " ".join(m.value for m in at.markdown)
    assert "Layer 24, neuron 1005" in text and "m = +" in text and "m = -" in text and "it ranges from" in text
    assert "encyclopaedic" in " ".join(c.value for c in at.caption)
    found = tables(at)
    # the token search's two tables and the search by words' (the page opens on 'months'), each neuron explained
    assert len(found) == 3 and list(found[0]) == ["layer", "neuron", "of its peak", "mean m", "explanation",
                                                  "held-out r (top + random)", "names, held out", "card", "hrefs"]
    assert found[0]["card"][0] == "open card" and found[0]["hrefs"][0].startswith("neurons?layer=")
    assert found[0]["of its peak"][0].endswith("%")
    at = run_page("neurons", layer="77", token="")
    assert "layer=77" in at.warning[0].value and "Type a word" in at.info[0].value
