"""Attribution and the logit lens on the real SmolLM2: parts add up, contrasts subtract,
gradient × activation agrees with finite differences, the lens ends at the model's output."""
import pytest
import torch

from model.lm import attribution as at
from model.lm import kv_memory as kv
from model.lm import logit_lens
from model.lm import readout as ro

pytestmark = pytest.mark.model
TEXT = "The capital of France is"


@pytest.fixture(scope="module")
def paris(lm):
    ids = lm.tokenizer.encode(TEXT).ids
    trace = kv.run(lm.model, ids)
    tok = lambda word: lm.tokenizer.encode(word).ids[0]  # noqa: E731
    return ids, len(ids) - 1, trace, tok(" Paris"), tok(" London")


@pytest.mark.parametrize("centred", [True, False])
def test_direct_parts_add_up_to_the_explained_logit(lm, paris, centred):
    ids, pos, trace, target, _ = paris
    t = at.Target(target, centred=centred)
    parts = at.direct_parts(lm.model, trace, pos, t)
    want = at.explained_quantity(lm.model, trace, pos, t)
    assert parts.total == pytest.approx(want, abs=2e-3)
    torch.testing.assert_close(parts.neurons.sum(1), parts.ffn, atol=2e-4, rtol=1e-4)  # each FFN = its neurons
    logits = lm.model.logits_at(trace.final_residual[pos])
    assert want == pytest.approx(float(logits[target] - (logits.mean() if centred else 0)), abs=1e-4)
    if centred:  # a uniform shift counts zero: the centred logit is far below the raw one here
        raw = at.explained_quantity(lm.model, trace, pos, at.Target(target, centred=False))
        assert abs(raw - want) > 1.0


def test_contrast_is_the_difference_of_the_two_attributions(lm, paris):
    ids, pos, trace, a, b = paris
    both = at.direct_parts(lm.model, trace, pos, at.Target(a, b))
    pa = at.direct_parts(lm.model, trace, pos, at.Target(a, centred=False))
    pb = at.direct_parts(lm.model, trace, pos, at.Target(b, centred=False))
    torch.testing.assert_close(both.neurons, pa.neurons - pb.neurons, atol=1e-5, rtol=1e-4)
    assert both.total == pytest.approx(pa.total - pb.total, abs=1e-3)
    logits = lm.model.logits_at(trace.final_residual[pos])
    assert both.total == pytest.approx(float(logits[a] - logits[b]), abs=2e-3)


@pytest.mark.parametrize("contrast", [False, True])
def test_gradient_times_activation_matches_finite_differences(lm, paris, contrast):
    ids, pos, _, a, b = paris
    target = at.Target(a, b if contrast else None)
    effects, metric = at.total_effects(lm.model, ids, pos, target)
    assert effects.shape == (lm.config.n_layers, lm.config.d_ff)
    strongest = ro.top_neurons(effects, 3, by_magnitude=True)
    eps = 0.01
    for layer, neuron, estimate in strongest + [(3, 100, float(effects[3, 100]))]:
        up, down = (at.ablate(lm.model, ids, pos, target, [])[0],) * 2  # metric as the model runs
        scaled = {}
        for factor in (1 + eps, 1 - eps):
            trace = lm.model.trace(torch.tensor(ids), kv.switch_off([(layer, neuron)], lm.config.d_ff, factor),
                                   logits="none")
            scaled[factor] = float(at._metric(lm.model.logits_at(trace.final_residual[pos]), target))
        slope = (scaled[1 + eps] - scaled[1 - eps]) / (2 * eps)  # d metric / d scale at 1
        assert -slope == pytest.approx(estimate, rel=0.03, abs=5e-4), (layer, neuron)  # abs: float32 noise
        assert up == pytest.approx(metric, abs=1e-4) and down == up


def test_switching_off_the_top_total_effect_neurons_lowers_paris(lm, paris):
    ids, pos, _, target, _ = paris
    effects, _ = at.total_effects(lm.model, ids, pos, at.Target(target))
    worst = [(layer, n) for layer, n, _ in ro.top_neurons(-effects, 10)]
    m0, m1, p0, p1 = at.ablate(lm.model, ids, pos, at.Target(target), worst)
    assert p0 > 0.5 and p1 < p0 / 2 and m1 < m0
    estimated = float(sum(effects[layer, n] for layer, n in worst))
    assert estimated < 0  # the estimate points the same way as the real change


def test_readout_rank_is_zero_for_the_token_a_neuron_promotes_most(lm):
    reading = ro.read_value(lm.model, 20, 7, 1.0, k=3)
    top, second = reading.promoted[0][0], reading.promoted[1][0]
    assert ro.readout_ranks(lm.model, [(20, 7), (20, 7)], [1.0, 1.0], top) == [0, 0]
    assert ro.readout_ranks(lm.model, [(20, 7)], [1.0], second) == [1]
    assert ro.readout_ranks(lm.model, [(20, 7)], [-1.0], top) == [lm.config.vocab_size - 1]  # flipped: last


def test_logit_lens_ends_at_the_models_prediction(lm, paris):
    ids, pos, trace, target, _ = paris
    lens = logit_lens.lens(lm.model, trace, pos, target)
    n = 2 * lm.config.n_layers + 1
    assert len(lens.stages) == n and lens.prob.shape == (n,) and lens.stages[2] == "L0 FFN"
    final = kv.next_token_probs(lm.model, trace, pos)
    assert float(lens.prob[-1]) == pytest.approx(float(final[target]), abs=1e-5)
    assert lens.top[-1] == target and int(lens.rank[-1]) == 0 and int(lens.rank[0]) > 100
    centred = at.explained_quantity(lm.model, trace, pos, at.Target(target))
    assert lens.embedding + float(lens.attention.sum() + lens.ffn.sum()) == pytest.approx(centred, abs=2e-3)
