"""Every claim of the concept-neuron gallery holds on the real model: the search finds the
neuron for its concept, and switching it off moves its token's probability the way it says."""
import pytest

from content.gallery import GALLERY, MODEL
from model.lm import attribution as at
from model.lm import concepts

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def stats(lm):
    return concepts.readout_stats(lm.model)


def test_gallery_is_for_the_bundled_model(lm):
    assert lm.source.stem == MODEL and len(GALLERY) >= 5
    assert {g.effect for g in GALLERY} == {"lowers", "raises"}  # pushers and brakes both shown


@pytest.mark.parametrize("entry", GALLERY, ids=lambda g: f"L{g.layer}n{g.neuron}")
def test_each_gallery_neuron_does_what_it_says(lm, stats, entry):
    ids, _, _ = concepts.concept_tokens(lm.tokenizer, concepts.CONCEPTS[entry.concept])
    hits = concepts.search(lm.model, stats, ids, k=30)
    assert (entry.layer, entry.neuron) in [(h.layer, h.neuron) for h in hits], "the search finds it"
    sentence = lm.tokenizer.encode(entry.sentence).ids
    token = lm.tokenizer.encode(entry.token).ids
    assert len(token) == 1
    _, _, p0, p1 = at.ablate(lm.model, sentence, len(sentence) - 1, at.Target(token[0]),
                             [(entry.layer, entry.neuron)])
    if entry.effect == "lowers":
        assert p1 < 0.95 * p0, (p0, p1)
    else:
        assert p1 > 1.2 * p0, (p0, p1)
