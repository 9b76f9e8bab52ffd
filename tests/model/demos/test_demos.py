"""The models behind the concept pages."""
import numpy as np
import pytest

from model.demos import mixing, moe_routing, positionwise, xor
from model.demos.collapse import collapse


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
    r = moe_routing.route(moe_routing.SENTENCE, n_experts=8, top_k=2)
    n = len(r.tokens)
    assert r.chosen.shape == (n, 2) and all(len(set(row)) == 2 for row in r.chosen.tolist())
    assert r.load.sum() == n * 2
    np.testing.assert_allclose(r.weights.sum(1), 1.0, rtol=1e-6)
    again = moe_routing.route("the cat the", 8, 2)
    assert again.chosen[0].tolist() == again.chosen[2].tolist()  # the same word routes the same way


def test_positionwise_demo():
    r = positionwise.compare(seq=5, changed=1)
    assert r.ffn_others_equal and not r.attn_others_equal
    assert r.ffn_change[1] > 0 and all(c == 0 for i, c in enumerate(r.ffn_change) if i != 1)
    causal = positionwise.compare(seq=5, changed=2, causal=True)
    assert causal.attn_change[0] == 0 and causal.attn_change[1] == 0 and causal.attn_change[3] > 0


def test_positionwise_ffn_after_causal_attention_moves_the_changed_position_and_later_ones():
    for changed in (0, 2, 4):
        r = positionwise.compare(seq=5, changed=changed)  # the toggle is for attention alone
        assert r.after_attn_before_equal and r.after_attn_later_moved
        assert all(c == 0 for c in r.after_attn_change[:changed]) and min(r.after_attn_change[changed:]) > 0
        assert sum(c > 0 for c in r.ffn_change) == 1  # the FFN alone: only the changed position


def test_collapse_only_without_activation():
    none, relu = collapse(8, 32, "none"), collapse(8, 32, "relu")
    assert none.max_diff < 1e-12 and relu.max_diff > 0.1
    assert none.rank == 8
