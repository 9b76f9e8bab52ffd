"""The figures that settle the concept pages' predictions (content/predictions.py), each computed
by the same cached view function that draws the view it settles."""
from __future__ import annotations

from components.concepts import superposition_views
from components.concepts import views as concept_views
from content.predictions import Truth

XOR_SETTING = ("xor", 8, 0.05, 300, 0)  # data, width, learning rate, steps, seed: the tour's and the page's default


def xor_accuracy(activation: str) -> float:
    dataset, hidden, lr, steps, seed = XOR_SETTING
    return concept_views.xor_view(dataset, hidden, activation, lr, steps, seed)[0].accuracy


def xor_no_activation() -> Truth:
    linear, relu = xor_accuracy("none"), xor_accuracy("relu")
    return Truth(round(100 * linear, 1), {"linear": f"{linear:.1%}", "relu": f"{relu:.1%}"})


def five_features_in_two_dimensions() -> Truth:
    """How many of 5 features the opening toy model (m = 2, S = 0.9) represents, from the view it draws."""
    sparse, dense = superposition_views.opening(), superposition_views.opening(sparsity=0.0)
    o = superposition_views.OPENING
    return Truth(int(sparse.represented.sum()), {
        "represented": f"{int(sparse.represented.sum())} of {sparse.n}",
        "norms": ", ".join(f"{x:.2f}" for x in sparse.norms),
        "angles": ", ".join(f"{a:.0f}°" for a in sparse.angles()),
        "dense": f"{int(dense.represented.sum())}", "m": str(o.m)})


def neurons_firing_for_several_features() -> Truth:
    """How many of the computation section's opening neurons fire for two or more features."""
    o = superposition_views.ABS_OPENING
    free = superposition_views.abs_model(o.n, o.m, o.sparsity)
    held = superposition_views.abs_model(o.n, o.m, o.sparsity, monosemantic=True)
    dense = superposition_views.abs_model(o.n, o.m, 0.0)
    poly = int(free.polysemantic.sum())
    return Truth(poly, {"poly": f"{poly} of {free.m}", "computed": f"{int(free.computed.sum())} of {2 * free.n}",
                        "free": f"{free.loss:.3f}", "held": f"{held.loss:.3f}",
                        "dense": str(int(dense.polysemantic.sum()))})
