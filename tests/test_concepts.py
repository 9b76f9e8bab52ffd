"""The models behind the concept pages."""
import numpy as np
import pytest
import torch

from model import mixing, moe_demo, positionwise, xor
from model.collapse import collapse
from model.ffn_code import ACT_CODE, ffn_code
from model.ffn import FeedForward, GatedFeedForward
from model.quiz import QUESTIONS, TAKEAWAYS, check


def test_xor_needs_a_non_linearity():
    assert xor.train("xor", activation="relu").accuracy == 1.0
    for steps in (300, 1000):
        assert xor.train("xor", activation="none", steps=steps, hidden=32).accuracy <= 0.75
    assert xor.train("circles", activation="gelu").accuracy == 1.0


def test_xor_result_shapes_and_loss_goes_down():
    r = xor.train("spirals", hidden=16, steps=50)
    assert r.losses.shape == (50,) and r.losses[-1] < r.losses[0]
    assert r.prob.shape == (xor.GRID, xor.GRID) and ((r.prob >= 0) & (r.prob <= 1)).all()
    with pytest.raises(ValueError, match="unknown dataset"):
        xor.make_dataset("moons")


@pytest.mark.parametrize("seed", range(5))
def test_attention_output_never_leaves_the_hull(seed):
    values = np.array(list(mixing.TOY_VALUES.values()))
    hull = mixing.convex_hull(values)
    weights = np.random.default_rng(seed).uniform(0, 1, len(values))
    assert mixing.inside_hull(mixing.mix(values, weights), hull)
    assert not mixing.inside_hull(values.max(0) + 1.0, hull)  # a point beyond every value
    assert mixing.normalise(np.zeros(4)).tolist() == [0.25] * 4


def test_moe_router_honours_top_k_and_loads_add_up():
    r = moe_demo.route(moe_demo.SENTENCE, n_experts=8, top_k=2)
    n = len(r.tokens)
    assert r.chosen.shape == (n, 2) and all(len(set(row)) == 2 for row in r.chosen.tolist())
    assert r.load.sum() == n * 2
    np.testing.assert_allclose(r.weights.sum(1), 1.0, rtol=1e-6)
    again = moe_demo.route("the cat the", 8, 2)
    assert again.chosen[0].tolist() == again.chosen[2].tolist()  # the same word routes the same way


def test_positionwise_demo():
    r = positionwise.compare(seq=5, changed=1)
    assert r.ffn_others_equal and not r.attn_others_equal
    assert r.ffn_change[1] > 0 and all(c == 0 for i, c in enumerate(r.ffn_change) if i != 1)
    causal = positionwise.compare(seq=5, changed=2, causal=True)
    assert causal.attn_change[0] == 0 and causal.attn_change[1] == 0 and causal.attn_change[3] > 0


def test_collapse_only_without_activation():
    none, relu = collapse(8, 32, "none"), collapse(8, 32, "relu")
    assert none.max_diff < 1e-12 and relu.max_diff > 0.1
    assert none.rank == 8


@pytest.mark.parametrize("kind", ["dense", "gated"])
@pytest.mark.parametrize("activation", list(ACT_CODE))
def test_generated_code_runs_and_matches_our_modules(kind, activation):
    namespace: dict = {}
    exec(ffn_code(kind, 16, 40, activation, bias=True), namespace)  # noqa: S102
    theirs = namespace["FeedForward"]()
    ours = (FeedForward if kind == "dense" else GatedFeedForward)(16, 40, activation, bias=True)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 16)
    torch.testing.assert_close(theirs(x), ours(x))


def test_quiz_content_and_checker():
    assert len(QUESTIONS) == 8 and len(TAKEAWAYS) == 7
    assert len({q.key for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert 0 <= q.answer < len(q.options) and q.why
        assert check(q, None) is None
        assert check(q, q.answer) == (True, q.why)
        assert check(q, (q.answer + 1) % len(q.options))[0] is False
