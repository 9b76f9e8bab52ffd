"""Our dependency-light Adam must train exactly as torch.optim.Adam does."""
import torch

from model.demos.adam import Adam
from model.ffn.layers import FeedForward
from model.util import seeded


def _train(make_opt, steps: int = 50) -> list[torch.Tensor]:
    net = seeded.build(lambda: FeedForward(3, 16, "gelu", bias=True), seeded.generator(1))
    x = torch.randn(64, 3, generator=seeded.generator(2))
    opt = make_opt(net.parameters())
    for _ in range(steps):
        opt.zero_grad()
        (net(x) - x.flip(-1)).pow(2).mean().backward()
        opt.step()
    return [p.detach().clone() for p in net.parameters()]


def test_matches_torch_adam():
    ours = _train(lambda ps: Adam(ps, lr=0.03))
    theirs = _train(lambda ps: torch.optim.Adam(ps, lr=0.03))
    start = _train(lambda ps: Adam(ps, lr=0.03), steps=0)
    for a, b, s in zip(ours, theirs, start):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
        assert not torch.allclose(a, s)  # training moved the weights
