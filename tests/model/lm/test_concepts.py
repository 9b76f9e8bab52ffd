"""The concept-neuron search on the real SmolLM2: its statistics are the readouts' own, and
it finds neurons that put a whole set of words in the top of what they write."""
import pytest
import torch

from model.lm import concepts
from model.lm import readout as ro

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def stats(lm):
    return concepts.readout_stats(lm.model)


def test_readout_stats_are_each_readouts_mean_and_spread(lm, stats):
    for layer, neuron in [(0, 0), (22, 610), (29, 1535)]:
        readout = ro.vocab_projection(lm.model, ro.value_vector(lm.model, layer, neuron))
        assert float(stats.mean[layer, neuron]) == pytest.approx(float(readout.mean()), abs=1e-4)
        assert float(stats.std[layer, neuron]) == pytest.approx(float(readout.std(unbiased=False)), rel=1e-3)


def test_scores_are_z_scores_of_the_sets_mean_readout(lm, stats):
    ids, kept, dropped = concepts.concept_tokens(lm.tokenizer, concepts.CONCEPTS["months"])
    assert len(kept) == 12 and not dropped
    z = concepts.concept_scores(lm.model, stats, ids)
    readout = ro.vocab_projection(lm.model, ro.value_vector(lm.model, 22, 610))
    want = (readout[ids].mean() - readout.mean()) / readout.std(unbiased=False)
    assert float(z[22, 610]) == pytest.approx(float(want), rel=1e-3)


def test_search_finds_neurons_that_write_the_whole_set(lm, stats):
    ids, _, _ = concepts.concept_tokens(lm.tokenizer, concepts.CONCEPTS["months"])
    hits = concepts.search(lm.model, stats, ids, k=5)
    assert [abs(h.z) for h in hits] == sorted((abs(h.z) for h in hits), reverse=True)
    best = hits[0]
    assert best.in_top == 12 and abs(best.z) > 5  # all twelve months in its top 1%
    months = {lm.tokenizer.encode(" " + m).ids[0] for m in concepts.CONCEPTS["months"]}
    assert len(months & set(best.promoted)) >= 6  # and its top tokens are months
    # the sign: a negative z means the neuron writes the set with a negative coefficient
    readout = ro.vocab_projection(lm.model, ro.value_vector(lm.model, best.layer, best.neuron))
    signed = readout * (1 if best.z > 0 else -1)
    assert signed.topk(10).indices.tolist() == best.promoted


def test_random_words_find_nothing_specific(lm, stats):
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, lm.config.vocab_size, (20,), generator=g).tolist()
    hits = concepts.search(lm.model, stats, ids, k=3)
    assert hits[0].in_top <= 4  # a random set has no neuron that writes it all


def test_typed_lists_and_tokens_that_do_not_fit(lm):
    assert concepts.parse_words("Paris, London;Rome\n Oslo,, ") == ["Paris", "London", "Rome", "Oslo"]
    assert len(concepts.parse_words("a," * 500)) == 60
    ids, kept, dropped = concepts.concept_tokens(lm.tokenizer, ["Paris", "Paris", "Xyzzyplugh", " ", "<b>x</b>"])
    assert kept == ["Paris"] and dropped == ["Xyzzyplugh", "<b>x</b>"] and len(ids) == 1
    assert concepts.search(lm.model, None, []) == []
