"""A small gallery of concept neurons found in SmolLM2-135M with the concept search
(model/lm/concepts.py), each with a sentence on which switching it off changes the
prediction. The page computes every number live; tests/content/test_gallery.py checks
each claim here on the real model, so the wording cannot drift from what the model does."""
from __future__ import annotations

from dataclasses import dataclass

MODEL = "SmolLM2-135M-Instruct.Q4_1"  # the model file these neurons belong to (its stem)


@dataclass(frozen=True)
class GalleryNeuron:
    title: str
    concept: str  # a key of model.lm.concepts.CONCEPTS: the search that finds it
    layer: int
    neuron: int
    sentence: str  # a sentence where it matters
    token: str  # the next token whose probability switching it off changes
    effect: str  # "lowers" or "raises": what switching it off does to that probability
    story: str  # what to say about it in class


GALLERY: tuple[GalleryNeuron, ...] = (
    GalleryNeuron("A neuron that writes “his”", "pronouns", 27, 1199, "John lost", " his", "lowers",
                  "Its value vector promotes his, him, he and himself. After “John lost” it fires the promoting "
                  "way, and without it the model is far less sure that his comes next."),
    GalleryNeuron("A counting neuron", "numbers", 26, 1519, "One, two, three,", " four", "lowers",
                  "It writes one, two, three, four and five; 12 of the 16 number words rank in the top 1% of its "
                  "readout. Counting “One, two, three,” it fires strongly, and without it the model is much less "
                  "sure that four comes next."),
    GalleryNeuron("A months neuron", "months", 22, 610, "Christmas is celebrated on the 25th of", " December",
                  "lowers", "All twelve months sit in the top 1% of what it writes. It is one voice among many: "
                  "switching it off lowers December a little, not to zero."),
    GalleryNeuron("A brake on months", "months", 29, 240, "Christmas is celebrated on the 25th of", " December",
                  "raises", "Also a months neuron, in the last layer, but here it fires the other way and holds "
                  "the months back: switch it off and December becomes more likely. Late neurons often "
                  "temper a prediction rather than make it."),
    GalleryNeuron("A brake on “French”", "capital cities", 29, 864, "The capital of France is", " Paris", "raises",
                  "It writes French, France and Paris when it fires negatively. After “The capital of France is” "
                  "it fires positively and damps Paris: without it the model is even more certain."),
    GalleryNeuron("A days neuron", "days", 29, 1242, "Most people do not work on Saturday and", " Sunday", "raises",
                  "It writes day, days and week; all seven weekdays rank in the top 1% of its readout. Here it "
                  "fires negatively, so it suppresses them, and Sunday rises when it is switched off."),
)
