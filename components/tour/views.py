"""The guided tour's live views, one per step of content/tour.py, by the key the step names."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from components.activations import views as activation_views
from components.architectures import views as architecture_views
from components.concepts import views as concept_views
from components.shared import glossary as gloss
from components.shared.tables import shape_table
from components.shared.widgets import plot
from content.examples import KV_EXAMPLES
from model.architectures import prose_facts
from model.architectures.presets import PRESETS
from model.demos import mixing

XOR_STEPS = 300  # the XOR step trains each network this long (its text quotes it)


def fill(text: str) -> str:
    """A step's text with its live figures put in."""
    return text.format_map({**prose_facts.values(), "xor_steps": XOR_STEPS})


def _block() -> None:
    walk = architecture_views.shape_walk(PRESETS["gpt2-small"], batch=1, seq=8)
    shape_table(walk)


def _mixing() -> None:
    weights, _, inside, figure = concept_views.mixing_view(mixing.EXAMPLE_WEIGHTS)
    plot(figure, f"The {len(weights)} value vectors as labelled points, the dotted outline of everything a "
                 f"weighted average of them can reach, and the weighted sum with weights "
                 f"{', '.join(f'{w:.0%}' for w in weights)} as a star, {'inside' if inside else 'outside'} the outline.")


def _xor() -> None:
    left, right = st.columns(2)
    for col, act, name in ((left, "none", "no activation"), (right, "relu", "ReLU")):
        with col:
            result, boundary, _ = concept_views.xor_view("xor", 8, act, 0.05, XOR_STEPS, 0)
            st.markdown(f"**{name}: {result.accuracy:.0%} after {XOR_STEPS} steps**")
            plot(boundary, f"The plane shaded by the probability of class 1 after {XOR_STEPS} training steps with "
                           f"{name}, with XOR's points on top: {result.accuracy:.0%} classified right.")


def _activations() -> None:
    plot(activation_views.curves_figure(("relu", "gelu", "silu"), 4.0, False),
         "Lines: ReLU, GELU and SiLU for inputs x from −4 to 4.")


def _budget() -> None:
    b, _, _, _, (block_pie, model_pie, _) = architecture_views.budget_view(PRESETS["gpt2-small"], 1024)
    left, right = st.columns(2)
    with left:
        plot(block_pie, "Pie chart of one GPT-2 small block's parameters: "
                        + ", ".join(f"{group} {n:,}" for group, n in b.block.items() if n) + ".")
    with right:
        label = "FFN share of GPT-2 small's non-embedding parameters"
        st.metric(label, f"{b.ffn_share_non_embedding:.1%}", help=gloss.help_in(label))


def _gating() -> None:
    plot(concept_views.gating_view("swiglu", 64, 8, 0),
         "Grouped bars for 8 neurons of a random SwiGLU FFN (d_model 64) on one random token: gate·x, silu(gate·x), "
         "up·x, and their product, the coefficient fed to the down projection.")


PARIS_TEXT = KV_EXAMPLES[0]  # "The capital of France is", the key-value page's default


def _memory() -> None:
    from components.lm import kv_views
    from components.lm.model_resource import get_model
    from model.lm.registry import BUNDLED

    if get_model(BUNDLED) is None:
        return
    f = kv_views.writers_off(BUNDLED, PARIS_TEXT)  # as components/lm/answers.py's tour_paris_ablation
    attr, label, n = f.attr, f.label, f.n
    layer, neuron, _, _ = attr.rows[0]
    gloss.plain_markdown(f"SmolLM2 predicts **{label!r}** ({f.p0:.0%}). Of its centred logit ({attr.explained:.1f}), the "
                         f"FFNs wrote {float(attr.parts.ffn.sum()):+.1f}, attention {float(attr.parts.attention.sum()):+.1f} "
                         f"and the token embedding {attr.parts.embedding:+.1f}. The neuron that wrote most, layer {layer} neuron "
                         f"{neuron}, writes mostly {', '.join(repr(t) for t in attr.promoted[0][:4])}; {label!r} stands at "
                         f"rank {attr.ranks[0] + 1:,} of {attr.vocab:,} in what it writes "
                         f"({kv_views.rank_verdict(attr.ranks[0], attr.vocab)}). {attr.specific} of these {n} neurons "
                         f"{'is' if attr.specific == 1 else 'are'} specific to it. Switch all {n} off and {label!r} goes "
                         f"from {f.p0:.0%} to **{f.p1:.0%}**.")
    plot(attr.figure, f"Horizontal bars, one per neuron (L layer, n neuron): the {n} that wrote most of "
                      f"{label!r}, each bar its {attr.figure.layout.xaxis.title.text}.")


VIEWS: dict[str, Callable[[], None]] = {
    "block": _block,
    "mixing": _mixing,
    "xor": _xor,
    "activations": _activations,
    "budget": _budget,
    "gating": _gating,
    "memory": _memory,
}
