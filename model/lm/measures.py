"""The measures the key-value page ranks neurons by ("who wrote the prediction"), declared once.

To add a measure:
1. write its compute function in model/lm/attribution.py: (model, trace, ids, position, target)
   -> an (n_layers, d_ff) tensor, one score per neuron;
2. add one `Measure` to MEASURES below (its URL name, label, axis title, summary, and whether
   it runs the model again or estimates switching off).
The page's "Measured by" picker, its `measure` URL parameter, the bar chart, the summary and
the table comparing rankings all read the registry; tests/model/lm/test_measures.py runs every
entry on a tiny model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import Tensor

from model.architectures.transformer import ModelTrace, Transformer
from model.lm.attribution import Target, direct_scores, total_scores

Compute = Callable[[Transformer, ModelTrace, list[int], int, Target], Tensor]


@dataclass(frozen=True)
class Measure:
    """One way to score every neuron's part in the model's choice of a target token.

    `axis` and `summary` are str.format templates. `axis` gets {quantity} (what the direct parts
    explain: "centred logit", "raw logit", "logit difference") and {metric} (what a switched-off
    neuron changes: "log-probability" or "logit difference"). `summary`, one paragraph for the
    learner, gets those and {neurons} (how many), {position}, {target} (the token's text),
    {explained} (the explained quantity named, with its value and why it is the one explained),
    {explained_name} (the same, named only) and {split} (how it adds up)."""

    name: str  # its value in URLs: ?measure=direct
    label: str  # in the picker and the table comparing rankings
    compute: Compute
    axis: str
    summary: str
    centred: bool = True  # its direct parts explain the centred logit (else the raw one)
    needs_pass: bool = False  # compute runs the model again (a backward pass): the app runs it in a forward slot
    # its scores estimate the metric's change when a neuron is switched off: the neurons that
    # wrote the target are those with the largest drops (most negative first), and the page sets
    # the estimated sum beside the real change
    estimates_switch_off: bool = False


_DIRECT = ("Every neuron of every layer, ranked by its direct effect mᵢ·(vᵢ·u) at position {position} on "
           "{explained}. It is the sum of {split}.")

MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("direct", "Direct effect on the centred logit", direct_scores, "direct effect on the {quantity}", _DIRECT),
    Measure("total", "Total effect (gradient × activation)", total_scores,
            "estimated change of the {metric} if switched off",
            "Every one of the {neurons:,} neurons, ranked by how much the {metric} of {target!r} would change if it "
            "were switched off, estimated for all of them at once from one backward pass (gradient × activation). "
            "Unlike direct effects, this counts what a neuron does through the layers after it. The direct split "
            "of {explained_name}: {split}.",
            needs_pass=True, estimates_switch_off=True),
    Measure("raw", "Direct effect on the raw logit", direct_scores, "direct effect on the {quantity}", _DIRECT,
            centred=False),
)}
DEFAULT_MEASURE = "direct"
