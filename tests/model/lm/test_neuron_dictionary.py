"""The neuron dictionary on a tiny corpus with the real model, and its page."""
import time

import numpy as np
import pytest
import torch

from components.lm.dictionary_views import MAX_UPLOAD_CHARS, builtin_job, decode_upload
from model.lm import corpus
from model.lm import kv_memory as kv
from model.lm import neuron_dictionary as nd
from tests.apptest_helpers import run_page, tables

pytestmark = pytest.mark.model
DOCS = ["The capital of France is Paris.", "We flew to Paris in May.", "def f(x):\n    return x + 1",
        "One, two, three, four."]


@pytest.fixture(scope="module")
def tiny(lm):
    return nd.build(lm.model, lm.tokenizer, DOCS)


def test_top_contexts_are_the_true_maxima(lm, tiny):
    # recompute one layer's coefficients over the packed windows and compare with what was kept
    coeffs = torch.cat([lm.model.trace(torch.tensor(ids), all_logits=False).coeffs
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
    assert all(np.array_equal(getattr(back, f), getattr(tiny, f))
               for f in ("ids", "doc_starts", "top_values", "top_positions", "hist"))


def test_search_by_token(lm, tiny):
    paris = lm.tokenizer.encode(" Paris").ids[0]
    firing, seen = nd.neurons_firing_on(lm.model, tiny, paris, k=5)
    assert seen == 2 and len(firing) == 5 and firing[0][2] >= firing[-1][2]
    promoting = nd.neurons_promoting(lm.model, paris, k=5)
    layer, neuron, score = promoting[0]
    direct = float(kv.vocab_projection(lm.model, kv.value_vector(lm.model, layer, neuron))[paris])
    assert direct == pytest.approx(score, rel=1e-4)
    _, unseen = nd.neurons_firing_on(lm.model, tiny, lm.tokenizer.encode(" zebra").ids[0])
    assert unseen == 0


def test_windows_pack_documents_without_splitting_them():
    docs = [[1] * 100, [2] * 100, [3] * 100, [4] * 300]
    chunks = nd.windows(docs)
    assert [(s, len(ids)) for s, ids in chunks] == [(0, 200), (200, 100), (300, 256), (556, 44)]


def test_builtin_corpus_and_upload_checks():
    docs = corpus.builtin_documents()
    assert len(docs) > 90 and any("Paris" in d for d in docs) and any("def " in d for d in docs)
    assert decode_upload("héllo".encode())[0] == "héllo"
    assert "not UTF-8" in decode_upload(b"\xff\xfe\x00bad")[1]
    assert "empty" in decode_upload(b"  \n")[1]
    assert "limit" in decode_upload(b"a" * (MAX_UPLOAD_CHARS + 1))[1]


def test_page_shows_a_neuron_card_from_the_url():
    at = run_page("neurons", layer="24", neuron="1005", token=" capital")
    job = builtin_job()  # the page started the shared build (or disk load) in the background
    deadline = time.monotonic() + 600
    while job.result is None and job.error is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert job.result is not None, job.error
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert "Layer 24, neuron 1005" in text and "m = +" in text
    found = tables(at)
    assert len(found) == 2 and list(found[0]) == ["layer", "neuron", "mean m", "card", "hrefs"]
    assert found[0]["card"][0] == "open card" and found[0]["hrefs"][0].startswith("neurons?layer=")
    at = run_page("neurons", layer="77", token="")
    assert "layer=77" in at.warning[0].value and "Type a word" in at.info[0].value
