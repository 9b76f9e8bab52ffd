"""The figures that settle the activations predictions (content/predictions.py), computed with
model.ffn.activations, which draws the curves the page shows."""
from __future__ import annotations

from components.activations import views
from content.predictions import PREDICTIONS, Truth
from model.architectures import prose_facts

ORDER_AT = -1.0  # the input the order question asks about


def _signed(x: float) -> str:
    return "0" if x == 0 else f"{x:.3f}".replace("-", "−")


def tour_activation_order() -> Truth:
    """ReLU, GELU and SiLU ordered by their output at x = −1, lowest first; the options name them
    (their lower-case names are the activations' keys)."""
    names = [o.lower() for o in PREDICTIONS["tour-activation-order"].options]
    outputs = {n: prose_facts.value(n, ORDER_AT) for n in names}
    order = tuple(sorted(range(len(names)), key=lambda i: outputs[names[i]]))
    return Truth(order, {**{n: _signed(y) for n, y in outputs.items()},
                         # silu(x) = x·σ(x) and gelu(x) = x·Φ(x): at x = −1 the factors are −silu, −gelu
                         "sigma": f"{-outputs['silu']:.3f}", "Phi": f"{-outputs['gelu']:.3f}"})


# the live FFN's defaults on the activations page: d_model, d_ff, tokens, seed
LIVE_SETTING = (256, 1024, 64, 0)


def live_ffn(kind: str):
    """The page's live random FFN at its default setting, through the view that draws it."""
    d_model, d_ff, tokens, seed = LIVE_SETTING
    return views.random_ffn(d_model, d_ff, kind, tokens, seed, views.live_title(tokens, kind))[0]


def relu_zeros() -> Truth:
    """The share of the live random FFN's hidden coefficients that ReLU sets exactly to zero."""
    relu, gelu = live_ffn("relu"), live_ffn("gelu")
    d_model, d_ff, tokens, _ = LIVE_SETTING
    return Truth(round(100 * relu.frac_zero, 1), {
        "d_model": str(d_model), "d_ff": f"{d_ff:,}", "tokens": str(tokens), "n": f"{tokens * d_ff:,}",
        "zero": f"{relu.frac_zero:.1%}", "gelu_zero": f"{gelu.frac_zero:.1%}", "gelu_negative": f"{gelu.frac_negative:.1%}"})
