"""Every claim of the concept-neuron gallery holds on the real model: the search finds the
neuron for its concept, switching it off moves its token's probability the way it says, and
its story, filled with the live values, says what those values say."""
import inspect
import re
import string

import pytest

from content.gallery import GALLERY, MODEL, change_words, count_words, fit_words, good_fit, story, written_words
from model.lm import attribution as at
from model.lm import concepts
from model.lm import kv_memory as kv

FIELDS = {"written", "count", "fires", "change", "token", "fit"}


def test_stories_are_templates_without_fixed_counts():
    for entry in GALLERY:
        used = {name for _, name, _, _ in string.Formatter().parse(entry.story) if name}
        assert used <= FIELDS and {"fires", "change", "fit"} <= used, (entry.title, used)
        # a count or a verdict written out would drift from the model: they come from the fields
        # a citation's year is not a count, and "top 1%" is the search's definition (checked below)
        words = re.sub(r"\(\d{4}, [A-Za-z]+\)|top 1%|GPT-2", "", entry.story)
        assert not re.search(r"\d|twelve|seven|sixteen|\ball\b|far less|much less|even more", words), entry.story


def test_top_share_is_the_searchs():
    params = inspect.signature(concepts.search).parameters
    if "top_share" in params:
        share = params["top_share"].default
    else:  # the search counts the set in the top SPECIFIC of each readout
        from model.lm import readout
        share = readout.SPECIFIC
    assert share == 0.01  # the stories' "top 1%"


def test_change_words_follow_the_probabilities():
    assert change_words(0.4, 0.1) == "much less likely" and change_words(0.4, 0.3) == "less likely"
    assert change_words(0.4, 0.38) == "a little less likely" and change_words(0.4, 0.41) == "a little more likely"
    assert change_words(0.2, 0.3) == "more likely" and change_words(0.1, 0.5) == "much more likely"
    assert change_words(0.77, 0.93) == "much more likely"  # judged on the log-odds, not the ratio 1.2
    assert change_words(0.044, 0.018) == "much less likely"  # a probability moves, not the model's certainty
    assert good_fit(7, 12) and not good_fit(6, 12) and not good_fit(7, 25)
    assert "not a good fit" in fit_words(7, 25) and "not" not in fit_words(12, 12)
    assert count_words(12, 12) == "all 12" and count_words(9, 14) == "9 of the 14"
    assert written_words([" his", "his", " him", " He", " he", " himself"]) == "his, him, He and himself"
    assert written_words([" one"]) == "one"


@pytest.fixture(scope="module")
def stats(lm):
    return concepts.readout_stats(lm.model)


@pytest.mark.model
def test_gallery_is_for_the_bundled_model(lm):
    assert lm.source.stem == MODEL and len(GALLERY) >= 5
    assert {g.effect for g in GALLERY} == {"lowers", "raises"}  # pushers and brakes both shown


@pytest.mark.model
@pytest.mark.parametrize("entry", GALLERY, ids=lambda g: f"L{g.layer}n{g.neuron}")
def test_each_gallery_neuron_does_what_it_says(lm, stats, entry):
    ids, _, _ = concepts.concept_tokens(lm.tokenizer, concepts.CONCEPTS[entry.concept])
    hits = concepts.search(lm.model, stats, ids, k=30)
    assert (entry.layer, entry.neuron) in [(h.layer, h.neuron) for h in hits], "the search finds it"
    hit = next(h for h in hits if (h.layer, h.neuron) == (entry.layer, entry.neuron))
    sentence = lm.tokenizer.encode(entry.sentence).ids
    token = lm.tokenizer.encode(entry.token).ids
    assert len(token) == 1
    _, _, p0, p1 = at.ablate(lm.model, sentence, len(sentence) - 1, at.Target(token[0]),
                             [(entry.layer, entry.neuron)])
    if entry.effect == "lowers":
        assert p1 < 0.95 * p0, (p0, p1)
    else:
        assert p1 > 1.2 * p0, (p0, p1)
    # the story as the page shows it: filled from these values, and saying what they say
    m = float(kv.run(lm.model, sentence).coeffs[entry.layer, len(sentence) - 1, entry.neuron])
    written = [kv.token_text(lm.tokenizer, i) for i in hit.promoted]
    text = story(entry, written, hit.in_top, hit.set_size, hit.z, m, p0, p1)
    assert "{" not in text and count_words(hit.in_top, hit.set_size) in text
    assert ("less likely" in text) == (entry.effect == "lowers") == (p1 < p0)
    # the label follows the measured fit: a neuron that fails the page's good-fit rule says so
    assert fit_words(hit.in_top, hit.set_size) in text
    if not good_fit(hit.in_top, hit.set_size):
        assert "not a good fit" in text and entry.concept not in entry.title.lower(), entry.title
    # a neuron that lowers its token when switched off fires the way that writes its concept here
    assert ("the way that promotes them" in text) == (entry.effect == "lowers"), (m, hit.z)
    if "{written}" in entry.story:
        assert written_words(written).split(",")[0].strip() in text
    if "“his”" in entry.title:
        assert "his" in written_words(written)
