"""The readout algebra on a tiny random model: one rule for "specific", neuron indexing, the
per-layer dot products, and signed readouts (the same checks on SmolLM2 are in test_attribution.py
and test_concepts.py)."""
import pytest
import torch

from model.architectures.config import ModelConfig
from model.architectures.transformer import Transformer
from model.lm import readout as ro


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    cfg = ModelConfig(name="tiny", vocab_size=300, d_model=16, n_layers=3, n_heads=2, d_ff=24, ffn_kind="gated",
                      activation="silu", norm="rmsnorm", max_positions=0, attn_bias=False, ffn_bias=False)
    m = Transformer(cfg).eval()
    for p in m.parameters():  # a visible spread, so that no two readout scores tie
        torch.nn.init.normal_(p, std=0.5)
    return m.requires_grad_(False)


def test_specific_means_the_top_one_percent_by_rank_plus_one():
    """Rank r (0 = promoted most) is in the top 1% when r + 1 ≤ 1% of the vocabulary: for
    SmolLM2's 49,152 tokens, ranks 0 to 490 (491 tokens), not 491 (that is 1.001%)."""
    assert ro.specific_count(49_152) == 491
    assert ro.is_specific(490, 49_152) and not ro.is_specific(491, 49_152)
    assert [(r + 1) / 49_152 <= ro.SPECIFIC for r in (490, 491)] == [True, False]  # the verdict's share agrees
    assert ro.specific_count(300) == 3 and ro.specific_count(50) == 1  # exact hundredths; at least one token


def test_a_set_in_the_top_and_a_rank_in_the_top_are_one_rule():
    g = torch.Generator().manual_seed(1)
    readouts = torch.randn(4, 1_000, generator=g)
    tokens = list(range(0, 1_000, 7))
    inside = ro.in_top(readouts, tokens)
    for row in range(4):
        for j, token in enumerate(tokens):
            assert bool(inside[row, j]) == ro.is_specific(ro.ranks_of(readouts[row:row + 1], token)[0], 1_000)
    # the boundary itself: the 10th best token of 1,000 is in, the 11th is not
    order = readouts[0].argsort(descending=True).tolist()
    assert ro.in_top(readouts[:1], [order[9], order[10]]).tolist() == [[True, False]]


def test_top_neurons_index_layer_and_neuron():
    scores = torch.zeros(3, 24)
    scores[2, 5], scores[0, 23], scores[1, 0] = 3.0, -5.0, 1.0
    assert ro.top_neurons(scores, 2) == [(2, 5, 3.0), (1, 0, 1.0)]
    assert ro.top_neurons(scores, 2, by_magnitude=True) == [(0, 23, -5.0), (2, 5, 3.0)]
    assert ro.neurons_at(torch.tensor([0, 24, 71]), (3, 24)) == [(0, 0), (1, 0), (2, 23)]


def test_layer_dots_are_every_value_vector_dotted_with_one_row(model):
    u = torch.randn(16)
    dots = ro.layer_dots(model, u)
    assert dots.shape == (3, 24)
    torch.testing.assert_close(dots[1], u @ ro.value_matrix(model, 1))
    assert float(dots[2, 7]) == pytest.approx(float(u @ ro.value_vector(model, 2, 7)), abs=1e-5)


def test_signed_readouts_flip_with_the_coefficient_and_rank_from_zero(model):
    readouts = ro.signed_readouts(model, [(1, 3), (1, 3)], [0.5, -2.0])
    torch.testing.assert_close(readouts[1], -readouts[0])
    torch.testing.assert_close(readouts[0], ro.vocab_projection(model, ro.value_vector(model, 1, 3)))
    best = int(readouts[0].argmax())
    assert ro.readout_ranks(model, [(1, 3), (1, 3)], [1.0, -1.0], best) == [0, 299]
    reading = ro.read_value(model, 1, 3, -1.0, k=2)
    assert reading.suppressed[0][0] == best and reading.promoted[0][0] == int(readouts[0].argmin())
