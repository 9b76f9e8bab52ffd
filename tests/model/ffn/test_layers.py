import pytest
import torch

from model.ffn.hidden_stats import random_ffn_hidden
from model.ffn.layers import FeedForward, GatedFeedForward, MoEFeedForward, make_ffn


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("ffn", [
    FeedForward(16, 64, "gelu"), GatedFeedForward(16, 40, "silu"), MoEFeedForward(16, 24, 4, 2)])
def test_shapes_are_preserved(ffn):
    x = torch.randn(3, 7, 16)
    assert ffn(x).shape == (3, 7, 16)


def test_trace_exposes_every_intermediate():
    ffn = GatedFeedForward(8, 20, "silu")
    x = torch.randn(2, 5, 8)
    t = ffn.trace(x)
    assert t.gate.shape == t.up.shape == t.hidden.shape == (2, 5, 20)
    torch.testing.assert_close(t.hidden, torch.nn.functional.silu(x @ ffn.gate_proj.weight.T) * (x @ ffn.up_proj.weight.T))
    torch.testing.assert_close(t.output, t.hidden @ ffn.down_proj.weight.T)
    dense = FeedForward(8, 20, "relu").trace(x)
    assert dense.up is None and dense.gate is None and (dense.hidden >= 0).all()


@pytest.mark.parametrize("kind", ["dense", "gated"])
def test_position_wise_independence(kind):
    """Changing one position changes the output at that position only."""
    ffn = make_ffn(kind, 12, 48, "gelu", bias=True)
    x = torch.randn(1, 6, 12)
    y = ffn(x)
    x2 = x.clone()
    x2[0, 3] = torch.randn(12)
    y2 = ffn(x2)
    same = torch.ones(6, dtype=torch.bool)
    same[3] = False
    torch.testing.assert_close(y2[0, same], y[0, same], rtol=0, atol=0)
    assert not torch.allclose(y2[0, 3], y[0, 3])
    # and every position equals the FFN applied to that token alone
    torch.testing.assert_close(torch.stack([ffn(x[:, i]) for i in range(6)], 1), y)


def test_identity_activation_collapses_to_one_matrix():
    ffn = FeedForward(10, 40, "none", bias=True)
    W1, b1, W2, b2 = ffn.up_proj.weight, ffn.up_proj.bias, ffn.down_proj.weight, ffn.down_proj.bias
    W, b = W2 @ W1, W2 @ b1 + b2
    x = torch.randn(4, 10)
    torch.testing.assert_close(ffn(x), x @ W.T + b, rtol=1e-5, atol=1e-5)
    assert torch.linalg.matrix_rank(W) <= 10
    # with a non-linearity the single matrix no longer reproduces it
    relu = FeedForward(10, 40, "relu")
    relu.load_state_dict(ffn.state_dict())
    assert not torch.allclose(relu(x), x @ W.T + b, atol=1e-3)


@pytest.mark.parametrize("kind", ["dense", "gated"])
def test_gradients_reach_every_parameter(kind):
    ffn = make_ffn(kind, 8, 32, "silu", bias=True)
    ffn(torch.randn(2, 3, 8)).pow(2).sum().backward()
    for name, p in ffn.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_dropout_only_in_training():
    ffn = FeedForward(8, 32, "relu", dropout=0.5)
    x = torch.randn(4, 8)
    ffn.eval()
    torch.testing.assert_close(ffn(x), ffn(x))
    ffn.train()
    assert not torch.equal(ffn(x), ffn(x))


def test_scale_switches_neurons_off_exactly():
    ffn = GatedFeedForward(8, 16, "silu")
    x = torch.randn(5, 8)
    scale = torch.ones(16)
    scale[[2, 7]] = 0.0
    base, off = ffn.trace(x), ffn.trace(x, scale)
    assert (off.hidden[:, [2, 7]] == 0).all()
    expected = base.output - base.hidden[:, [2, 7]] @ ffn.down_proj.weight[:, [2, 7]].T
    torch.testing.assert_close(off.output, expected, rtol=1e-5, atol=1e-6)


def test_moe_routes_top_k_and_mixes():
    moe = MoEFeedForward(8, 16, n_experts=4, top_k=2)
    x = torch.randn(10, 8)
    r = moe.route(x)
    assert r.experts.shape == (10, 2)
    assert all(len(set(row.tolist())) == 2 for row in r.experts)
    torch.testing.assert_close(r.weights.sum(-1), torch.ones(10))
    # the output is the weighted sum of the chosen experts
    manual = torch.stack([sum(w * moe.experts[e](x[i]) for e, w in zip(r.experts[i].tolist(), r.weights[i]))
                          for i in range(10)])
    torch.testing.assert_close(r.output, manual, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="top_k"):
        MoEFeedForward(8, 16, n_experts=2, top_k=3)


def test_random_ffn_statistics():
    relu = random_ffn_hidden(64, 256, "relu", n_tokens=32)
    assert 0.4 < relu.frac_zero < 0.6 and relu.frac_negative == 0
    gelu = random_ffn_hidden(64, 256, "gelu", n_tokens=32)
    assert gelu.frac_zero == 0 and 0.4 < gelu.frac_negative < 0.6
    assert relu.counts.sum() == 32 * 256
    swiglu = random_ffn_hidden(64, 256, "swiglu", n_tokens=32)
    assert swiglu.n_params == 3 * 64 * 256
    assert [s for s, _ in swiglu.shapes][1:3] == ["gate_proj(x)", "up_proj(x)"]
