"""The figures that settle the concept pages' predictions (content/predictions.py), each computed
by the same cached view function that draws the view it settles."""
from __future__ import annotations

import numpy as np

from components.concepts import views as concept_views
from content.predictions import PREDICTIONS, Truth
from model.demos import mixing

XOR_SETTING = ("xor", 8, 0.05, 300, 0)  # data, width, learning rate, steps, seed: the tour's and the page's default


def xor_accuracy(activation: str) -> float:
    dataset, hidden, lr, steps, seed = XOR_SETTING
    return concept_views.xor_view(dataset, hidden, activation, lr, steps, seed)[0].accuracy


def xor_no_activation() -> Truth:
    linear, relu = xor_accuracy("none"), xor_accuracy("relu")
    return Truth(round(100 * linear, 1), {"linear": f"{linear:.1%}", "relu": f"{relu:.1%}"})


POSITIONWISE_SETTING = (6, 2, False, 1)  # sequence length, position changed, causal, draw: the page's defaults
MOVED = 1e-6  # an output "moves" when it changes by more than this (model/demos/positionwise.py's threshold)


def positions(moved: list[int], seq: int) -> str:
    """A set of positions in the words the positionwise options use."""
    if len(moved) == 1:
        return f"position {moved[0]} only"
    if len(moved) == seq:
        return f"all {seq} positions"
    if moved == list(range(moved[0], moved[-1] + 1)):
        return f"positions {moved[0]} to {moved[-1]}"
    return "positions " + ", ".join(map(str, moved))


def _moved(changes: list[float]) -> list[int]:
    return [i for i, d in enumerate(changes) if d > MOVED]


def positionwise_change() -> Truth:
    """Which positions of the FFN's output move, alone and after causal attention, read off the
    page's two views at its default setting; the option that says so in words."""
    seq, changed, causal, draw = POSITIONWISE_SETTING
    r = concept_views.positionwise_view(seq, changed, causal, draw)[0]
    alone, after = _moved(r.ffn_change), _moved(r.after_attn_change)
    said = f"FFN alone: {positions(alone, seq)}; after causal attention: {positions(after, seq)}"
    return Truth(PREDICTIONS["positionwise-change"].options.index(said),
                 {"seq": str(seq), "changed": str(changed), "last": str(seq - 1),
                  "alone_equal": str(r.ffn_others_equal), "after_before_equal": str(r.after_attn_before_equal)})


def tour_mixing_positions() -> Truth:
    """Does the FFN alone move other positions' outputs? Answered from the same measurement."""
    seq, changed, causal, draw = POSITIONWISE_SETTING
    r = concept_views.positionwise_view(seq, changed, causal, draw)[0]
    others = [i for i in _moved(r.ffn_change) if i != changed]
    answer = 2 if not others else 1 if min(others) > changed else 0
    attn_moved = [i for i in _moved(r.attn_change) if i != changed]
    return Truth(answer, {"seq": str(seq), "changed": str(changed), "delta": f"{r.ffn_change[changed]:.2f}",
                          "others_max": f"{max(d for i, d in enumerate(r.ffn_change) if i != changed):.2f}",
                          "attn_moved": str(len(attn_moved)), "others": str(seq - 1)})


def tour_hull() -> Truth:
    """Where the weighted sum of the tour's four value vectors lands: inside their hull (0),
    outside it (1), or on one of the vectors (2); from the view the tour's step draws."""
    weights, out, inside, _ = concept_views.mixing_view(mixing.EXAMPLE_WEIGHTS)
    on_a_vector = any(np.allclose(out, v) for v in mixing.TOY_VALUES.values())
    return Truth(2 if on_a_vector else 0 if inside else 1,
                 {"weights": ", ".join(f"{w:.0%}" for w in weights[:-1]) + f" and {weights[-1]:.0%}",
                  "point": f"({out[0]:.2f}, {out[1]:.2f})"})
