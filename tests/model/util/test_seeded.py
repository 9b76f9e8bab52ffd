"""Seeded modules draw from their own generator: reproducible, and safe beside other sessions."""
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from model.demos import collapse, positionwise, xor
from model.ffn import hidden_stats
from model.ffn.layers import FeedForward, GatedFeedForward
from model.util import seeded


def test_same_seed_same_weights_and_global_rng_untouched():
    before = torch.get_rng_state()
    a = seeded.build(lambda: GatedFeedForward(16, 48), seeded.generator(3))
    b = seeded.build(lambda: GatedFeedForward(16, 48), seeded.generator(3))
    c = seeded.build(lambda: GatedFeedForward(16, 48), seeded.generator(4))
    assert torch.equal(torch.get_rng_state(), before)
    for (name, pa), pb, pc in zip(a.named_parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb), name
        assert not torch.equal(pa, pc), name


def test_linear_init_matches_pytorch_default_distribution():
    ffn = seeded.build(lambda: FeedForward(400, 1600, "relu", bias=True), seeded.generator(0))
    for layer in (ffn.up_proj, ffn.down_proj):
        bound = 1 / math.sqrt(layer.in_features)
        for p in (layer.weight, layer.bias):
            assert p.abs().max() <= bound
        # U(-b, b) has standard deviation b/√3; the default init's, measured on torch's own Linear
        reference = nn.Linear(layer.in_features, layer.out_features).weight.detach().std()
        assert float(layer.weight.detach().std()) == pytest.approx(bound / math.sqrt(3), rel=0.02)
        assert float(layer.weight.detach().std()) == pytest.approx(float(reference), rel=0.02)


def test_norms_are_reset_and_unknown_parameters_refused():
    norm = seeded.build(lambda: nn.LayerNorm(8), seeded.generator(0))
    assert torch.equal(norm.weight, torch.ones(8)) and torch.equal(norm.bias, torch.zeros(8))
    with pytest.raises(TypeError, match="Embedding"):
        seeded.build(lambda: nn.Embedding(10, 4), seeded.generator(0))


def test_concurrent_sessions_get_the_same_results_as_one_alone():
    """What a page shows for a seed must not depend on what other sessions run meanwhile."""
    jobs = [lambda: xor.train("xor", hidden=8, steps=60, seed=1).losses,
            lambda: hidden_stats.random_ffn_hidden(32, 128, "gelu", seed=2).counts,
            lambda: np.array(positionwise.compare(seed=3).ffn_change),
            lambda: np.array([collapse.collapse(8, 32, "relu", seed=4).max_diff])]
    alone = [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda i: jobs[i % 4](), range(32)))
    for i, result in enumerate(together):
        np.testing.assert_array_equal(result, alone[i % 4])
