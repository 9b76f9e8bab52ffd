"""Texts traced together in one right-padded batch read as each alone: on SmolLM2 (RoPE,
SwiGLU), a tiny GPT-2 (learned positions, dense FFN) and a tiny Gemma 2 (sliding window shorter
than the texts, soft caps, post-norms)."""
import pytest
import torch

from model.architectures.transformer import ModelTrace
from model.lm import gguf_loader
from model.lm import kv_memory as kv
from testkit.gguf_files import write_gemma, write_gpt2

pytestmark = pytest.mark.model

FIELDS = ["logits", "embeddings", "attn_updates", "ffn_updates", "coeffs", "gates", "ups", "final_residual", "ffn_out_scales"]
TEXTS = ["The capital of France is, as everyone knows,", "Hi", "I paid the cheque in at the bank on Monday"]


@pytest.fixture(scope="module", params=["smollm2", "gpt2", "gemma2", "gemma3"])
def model_and_tokenizer(request, tmp_path_factory):
    if request.param == "smollm2":
        lm = request.getfixturevalue("lm")
    else:
        folder = tmp_path_factory.mktemp(request.param)
        path = write_gpt2(folder / "t.gguf") if request.param == "gpt2" else write_gemma(folder / "t.gguf", arch=request.param)
        lm = gguf_loader.load(path, use_cache=False)
    return lm.model, lm.tokenizer


def test_each_text_of_a_batch_reads_as_if_alone(model_and_tokenizer):
    model, tok = model_and_tokenizer
    seqs = [tok.encode(t).ids for t in TEXTS]
    assert len({len(s) for s in seqs}) == 3  # padded to the longest: the others carry padding
    alone, together = [kv.run(model, s) for s in seqs], kv.run_many(model, seqs)
    for ids, a, b in zip(seqs, alone, together):
        assert isinstance(b, ModelTrace) and b.logits.shape == (1, model.cfg.vocab_size)  # the last position's
        for name in FIELDS:
            x, y = getattr(a, name), getattr(b, name)
            assert x.shape == y.shape, name
            # float32 sums in another order (a padded batch) differ by a few ulps of the largest value
            # they add: SmolLM2's massive activation (~2.4e4, ulp 2e-3) enters every later sum
            atol = 2e-4 + 1e-6 * float(x.abs().max())
            torch.testing.assert_close(y, x, atol=atol, rtol=1e-4, msg=name)
        assert b.coeffs.shape[1] == len(ids)
        # each trace owns its memory: none holds the whole batch alive
        assert b.coeffs.untyped_storage().nbytes() == b.coeffs.numel() * 4
    one = kv.run_many(model, seqs[:1])[0]
    assert all(torch.equal(getattr(one, n), getattr(alone[0], n)) for n in FIELDS)  # a batch of one is exact


def test_padding_is_invisible_to_the_real_positions(model_and_tokenizer):
    """The short text's trace does not depend on what its neighbour is."""
    model, tok = model_and_tokenizer
    short, long_a, long_b = (tok.encode(t).ids for t in ("Hi", TEXTS[0], TEXTS[2]))
    first = kv.run_many(model, [short, long_a])[0]
    second = kv.run_many(model, [short, long_b + long_b])[0]
    torch.testing.assert_close(first.coeffs, second.coeffs, atol=2e-4, rtol=1e-4)


def test_the_prediction_comes_from_the_trace_s_logits_where_it_has_them(model_and_tokenizer):
    model, tok = model_and_tokenizer
    ids = tok.encode(TEXTS[0]).ids
    trace = kv.run(model, ids)
    with torch.inference_mode():  # the trace's tensors are inference tensors
        for position in (len(ids) - 1, -1, 2):  # the last (from the trace's logits), and one before it
            expected = model.logits_at(trace.final_residual[position]).softmax(-1)
            torch.testing.assert_close(kv.next_token_probs(model, trace, position), expected, atol=1e-6, rtol=1e-5)
        trace.logits[-1] = 0.0  # the last position is read from the trace, not computed again
        assert bool((kv.next_token_probs(model, trace, -1) == 1 / model.cfg.vocab_size).all())
