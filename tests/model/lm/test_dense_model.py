"""The key-value readings on models unlike SmolLM2, as tiny random files: a dense-FFN GPT-2 with
LayerNorms and biases, and a Gemma 2 whose FFN output passes a norm of its own and whose logits
are soft-capped. The direct parts still add up, the neurons' sub-updates still make the FFN's
update, readouts and concept statistics go through the final LayerNorm's linear part, and
gradient × activation still matches finite differences. The same checks on SmolLM2 (RMSNorm,
SwiGLU, no biases) are in test_attribution.py."""
import pytest
import torch

from model.lm import attribution as at
from model.lm import concepts, gguf_loader, logit_lens
from model.lm import kv_memory as kv
from model.lm import neuron_dictionary as nd
from model.lm import readout as ro
from testkit.gguf_files import write_gemma, write_gpt2

pytestmark = pytest.mark.model


WRITERS = {"gpt2": write_gpt2, "gemma2": lambda path: write_gemma(path, arch="gemma2"),
           # Gemma 3: Gemma 2's post-norms without soft caps, norms on q and k, five windowed layers to one global
           "gemma3": lambda path: write_gemma(path, arch="gemma3", n_layers=7)}


def _prepared(name: str, folder):
    lm = gguf_loader.load(WRITERS[name](folder / f"tiny-{name}.gguf"), use_cache=False)
    ids = lm.tokenizer.encode("The capital of France is, as everyone knows,").ids
    trace = kv.run(lm.model, ids)
    pos = len(ids) - 1
    logits = lm.model.logits_at(trace.final_residual[pos])
    first, second = logits.topk(2).indices.tolist()
    return lm.model, ids, pos, trace, first, second


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return _prepared("gpt2", tmp_path_factory.mktemp("dense"))


@pytest.fixture(scope="module", params=list(WRITERS))
def tiny(request, gpt2, tmp_path_factory):
    return gpt2 if request.param == "gpt2" else _prepared(request.param, tmp_path_factory.mktemp(request.param))


@pytest.mark.parametrize("contrast", [False, True])
def test_direct_parts_add_up(tiny, contrast):
    model, _, pos, trace, a, b = tiny
    target = at.Target(a, b if contrast else None)
    parts = at.direct_parts(model, trace, pos, target)
    # the final LayerNorm's bias is a part of its own; RMSNorm has none
    assert (parts.norm_bias != 0.0) == (model.cfg.norm == "layernorm")
    assert parts.total == pytest.approx(at.explained_quantity(model, trace, pos, target), abs=1e-4)
    u, _ = at.readout_direction(model, trace, pos, target)
    down_bias = torch.stack([block.ffn.down_proj.bias @ u if model.cfg.ffn_bias else torch.tensor(0.0)
                             for block in model.blocks])
    torch.testing.assert_close(parts.neurons.sum(1) + down_bias, parts.ffn, atol=1e-5, rtol=1e-4)


def test_the_explained_logit_is_the_model_s_own_before_its_soft_cap(tiny):
    model, _, pos, trace, a, _ = tiny
    capped = float(model.logits_at(trace.final_residual[pos])[a])
    raw = at.explained_quantity(model, trace, pos, at.Target(a, centred=False))
    cap = model.cfg.logit_softcap
    assert capped == pytest.approx(cap * torch.tanh(torch.tensor(raw / cap)).item() if cap else raw, abs=1e-5)
    assert (capped != pytest.approx(raw, abs=1e-4)) == bool(cap)


def test_coefficients_are_the_dense_keys(gpt2):
    model, ids, _, trace, _, _ = gpt2
    block = model.blocks[1]
    x = block.ffn_norm(trace.embeddings + trace.attn_updates[0] + trace.ffn_updates[0] + trace.attn_updates[1])
    torch.testing.assert_close(trace.coeffs[1], torch.nn.functional.gelu(block.ffn.up_proj(x), approximate="tanh"))


def test_sub_updates_and_the_output_bias_add_up_to_the_ffn_update(tiny):
    model, _, pos, trace, _, _ = tiny
    total, ffn_out = kv.sub_update_sum(model, trace, 1, pos)
    torch.testing.assert_close(total, ffn_out, atol=1e-6, rtol=1e-5)
    # Gemma 2's post-norm divides each token's update by its own rms: the scale is in the trace
    assert torch.all(trace.ffn_out_scales == 1.0) == (not model.cfg.post_norms)


def test_readouts_go_through_the_layernorms_linear_part(gpt2):
    model, _, _, _, a, _ = gpt2
    v = ro.value_vector(model, 1, 5)
    norm = model.final_norm
    want = ((v - v.mean()) * norm.weight) @ model.unembedding.T
    torch.testing.assert_close(ro.vocab_projection(model, v), want)
    # read from the token's side, the same number
    assert float(v @ ro.final_norm_dual(model, model.unembedding[a])) == pytest.approx(float(want[a]), abs=1e-5)
    stats = concepts.readout_stats(model)
    assert float(stats.mean[1, 5]) == pytest.approx(float(want.mean()), abs=1e-5)
    assert float(stats.std[1, 5]) == pytest.approx(float(want.std(unbiased=False)), rel=1e-3)
    layer, neuron, score = nd.neurons_promoting(model, a, k=1)[0]
    assert score == pytest.approx(float(ro.vocab_projection(model, ro.value_vector(model, layer, neuron))[a]),
                                  abs=1e-5)


def test_gradient_times_activation_matches_finite_differences(tiny):
    model, ids, pos, _, a, _ = tiny
    target = at.Target(a)
    effects, _ = at.total_effects(model, ids, pos, target)
    eps = 0.01
    for layer, neuron, estimate in ro.top_neurons(effects, 3, by_magnitude=True):
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


def test_value_vectors_read_one_at_a_time_or_all_at_once_agree(tiny):
    """value_vector and value_dots take shortcuts past the whole value matrix; they must not differ."""
    model, _, _, _, a, _ = tiny
    u = model.unembedding[a]
    torch.testing.assert_close(ro.value_dots(model, 1, u), u @ ro.value_matrix(model, 1), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ro.value_vector(model, 1, 5), ro.value_matrix(model, 1)[:, 5])
