"""The key-value readings on a dense-FFN model with LayerNorms and biases (a tiny random GPT-2
file): the direct parts still add up, readouts and concept statistics go through the LayerNorm's
linear part, gradient × activation still matches finite differences, the lens still ends at the
model's output. The same checks on SmolLM2 (RMSNorm, SwiGLU, no biases) are in test_attribution.py."""
import pytest
import torch

from model.lm import attribution as at
from model.lm import concepts, gguf_loader, logit_lens
from model.lm import kv_memory as kv
from model.lm import neuron_dictionary as nd
from tests.gguf_files import write_gpt2

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    lm = gguf_loader.load(write_gpt2(tmp_path_factory.mktemp("dense") / "tiny-gpt2.gguf"), use_cache=False)
    ids = lm.tokenizer.encode("The capital of France is").ids
    trace = kv.run(lm.model, ids)
    pos = len(ids) - 1
    logits = lm.model.logits_at(trace.final_residual[pos])
    first, second = logits.topk(2).indices.tolist()
    return lm.model, ids, pos, trace, first, second


@pytest.mark.parametrize("contrast", [False, True])
def test_direct_parts_add_up_with_the_biases(gpt2, contrast):
    model, _, pos, trace, a, b = gpt2
    target = at.Target(a, b if contrast else None)
    parts = at.direct_parts(model, trace, pos, target)
    assert parts.norm_bias != 0.0  # the final LayerNorm's bias is a part of its own
    assert parts.total == pytest.approx(at.explained_quantity(model, trace, pos, target), abs=1e-4)
    u, _ = at.readout_direction(model, trace, pos, target)
    down_bias = torch.stack([block.ffn.down_proj.bias @ u for block in model.blocks])
    torch.testing.assert_close(parts.neurons.sum(1) + down_bias, parts.ffn, atol=1e-5, rtol=1e-4)


def test_coefficients_are_the_dense_keys(gpt2):
    model, ids, _, trace, _, _ = gpt2
    block = model.blocks[1]
    x = block.ffn_norm(trace.embeddings + trace.attn_updates[0] + trace.ffn_updates[0] + trace.attn_updates[1])
    torch.testing.assert_close(trace.coeffs[1], torch.nn.functional.gelu(block.ffn.up_proj(x), approximate="tanh"))


def test_sub_updates_and_the_output_bias_add_up_to_the_ffn_output(gpt2):
    model, _, pos, trace, _, _ = gpt2
    total, ffn_out = kv.sub_update_sum(model, trace, 1, pos)
    torch.testing.assert_close(total, ffn_out, atol=1e-6, rtol=1e-5)


def test_readouts_go_through_the_layernorms_linear_part(gpt2):
    model, _, _, _, a, _ = gpt2
    v = kv.value_vector(model, 1, 5)
    norm = model.final_norm
    want = ((v - v.mean()) * norm.weight) @ model.unembedding.T
    torch.testing.assert_close(kv.vocab_projection(model, v), want)
    # read from the token's side, the same number
    assert float(v @ kv.final_norm_dual(model, model.unembedding[a])) == pytest.approx(float(want[a]), abs=1e-5)
    stats = concepts.readout_stats(model)
    assert float(stats.mean[1, 5]) == pytest.approx(float(want.mean()), abs=1e-5)
    assert float(stats.std[1, 5]) == pytest.approx(float(want.std(unbiased=False)), rel=1e-3)
    layer, neuron, score = nd.neurons_promoting(model, a, k=1)[0]
    assert score == pytest.approx(float(kv.vocab_projection(model, kv.value_vector(model, layer, neuron))[a]),
                                  abs=1e-5)


def test_gradient_times_activation_matches_finite_differences(gpt2):
    model, ids, pos, _, a, _ = gpt2
    target = at.Target(a)
    effects, _ = at.total_effects(model, ids, pos, target)
    eps = 0.01
    for layer, neuron, estimate in at.top_neurons(effects, 3, by_magnitude=True):
        metric = {}
        for factor in (1 + eps, 1 - eps):
            trace = model.trace(torch.tensor(ids), kv.switch_off([(layer, neuron)], model.cfg.d_ff, factor))
            metric[factor] = float(at._metric(model.logits_at(trace.final_residual[pos]), target))
        assert -(metric[1 + eps] - metric[1 - eps]) / (2 * eps) == pytest.approx(estimate, rel=0.03, abs=1e-5)


def test_the_lens_ends_at_the_prediction_and_its_parts_add_up(gpt2):
    model, _, pos, trace, a, _ = gpt2
    lens = logit_lens.lens(model, trace, pos, a)
    assert lens.top[-1] == a and int(lens.rank[-1]) == 0
    centred = at.explained_quantity(model, trace, pos, at.Target(a))
    assert lens.embedding + float(lens.attention.sum() + lens.ffn.sum()) + lens.norm_bias == pytest.approx(centred,
                                                                                                            abs=1e-4)
