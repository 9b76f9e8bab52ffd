"""SwiGLU and gating: two projections multiplied, and why d_ff ≈ 8/3 · d_model."""
import streamlit as st

from components.architectures.views import BIAS_RULE
from components.concepts import views as concept_views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import ChoiceParam, NumberParam
from components.shared.tables import table
from components.shared.widgets import page_start, plot
from model.architectures import accounting
from model.demos import glu_results
from model.architectures import prose_facts
from model.ffn.activations import GLU_LABELS, GLU_VARIANTS

PAGE = "glu"
PARAMS = [ChoiceParam("glu", "swiglu", options=list(GLU_VARIANTS)), NumberParam("neurons", 8, lo=2, hi=24),
          NumberParam("seed", 0, lo=0, hi=999), NumberParam("d_model", 256, lo=16, hi=8192)]
k = page_start(
    PAGE, "SwiGLU and gating",
    "LLaMA, Mistral and SmolLM2 replace `down(act(up·x))` with `down(act(gate·x) ⊙ up·x)`: the FFN makes "
    "**two** projections of the token and multiplies them, neuron by neuron. The activated gate *scales* each "
    "neuron's up-projection: near 0 for a very negative gate, about the gate's own value for a large one "
    f"(silu(3) = {prose_facts.value('silu', 3.0):.2f}), so it is a scale, not a 0–1 valve.",
    weights="random", params=PARAMS,
)
c = st.columns(3)
c[0].segmented_control("Variant", list(GLU_VARIANTS), format_func=GLU_LABELS.get, key=k("glu"), required=True)
c[1].slider("Neurons shown", 2, 24, key=k("neurons"), help=gloss.help_in("Neurons shown"))
c[2].number_input("Seed (a new random token)", 0, 999, key=k("seed"), help=gloss.help_in("Seed (a new random token)"))
v = url_state.values(PAGE, PARAMS)
plot(concept_views.gating_view(v["glu"], 64, v["neurons"], v["seed"]),
     f"Grouped bars for the first {v['neurons']} neurons of a random {GLU_LABELS[v['glu']]} FFN (d_model 64) on one "
     f"random token (seed {v['seed']}): gate·x, its activation, up·x, and their product, the coefficient fed to "
     "the down projection.")
gloss.caption("Where the gate is strongly negative the activation is ≈ 0 and the neuron is nearly shut whatever up·x "
              "says; where it is positive the neuron passes up·x times act(gate·x), with up·x's sign. The product — the coefficient "
              "fed to the down projection — can be negative.")


def widths_and_evidence() -> None:
    """Dense against gated parameter counts at one d_model, and Shazeer's comparison (whose weight
    counts give the answer away): drawn once the prediction is answered."""
    gloss.header("Why LLaMA uses d_ff ≈ 8/3 · d_model")
    st.number_input("d_model", 16, 8192, step=16, key=k("d_model"), help=gloss.help_in("d_model"))
    d = url_state.value(PAGE, "d_model")
    widths = accounting.dense_vs_gated(d)
    matched, dense, gated = widths["gated"].d_ff, widths["dense"].params, widths["gated"].params
    glu = GLU_LABELS[url_state.value(PAGE, "glu")]
    table({
        "FFN": ["standard (2 matrices + biases)", f"{glu} at the same width (3 matrices, no biases)",
                f"{glu} (3 matrices, no biases)", f"{glu}, LLaMA rounding"],
        "d_ff": [f"{widths['dense'].d_ff:,} (4×)", f"{widths['gated_4x'].d_ff:,} (4×)", f"{matched:,} (8/3×)",
                 f"{widths['llama'].d_ff:,}"],
        "parameters": [f"{w.params:,}" for w in widths.values()],
        "against standard": [f"{w.params / dense:.3f}×" for w in widths.values()],
    })
    gloss.caption(BIAS_RULE)
    gloss.caption(f"A gated FFN has three d_model × d_ff matrices instead of two, so to cost what a 4× dense FFN costs "
                  f"it needs 2/3 of the width: 2/3 · 4 = 8/3. At d_model = {d:,}: standard {dense:,} vs {glu} "
                  f"({matched:,}) {gated:,}. Shazeer (2020, arXiv) compared the GLU variants this way, and LLaMA kept "
                  "it; it is a choice, not a rule. The gated models on the budget page use "
                  + prose_facts.gated_ratios() + ".")

    gloss.header("Why gate at all?")
    gloss.markdown(f"The evidence is empirical: at the same cost, gated FFNs trained to a lower loss. {glu_results.SOURCE} compared FFNs in T5-base "
                   f"(d_model = {glu_results.D_MODEL}) with parameters and computation matched: d_ff = "
                   f"{glu_results.D_FF_DENSE:,} for the two-matrix FFNs, {glu_results.D_FF_GATED:,} for the gated ones "
                   f"(3 · {glu_results.D_MODEL} · {glu_results.D_FF_GATED:,} = 2 · {glu_results.D_MODEL} · "
                   f"{glu_results.D_FF_DENSE:,} = {3 * glu_results.D_MODEL * glu_results.D_FF_GATED:,} weights). "
                   "Held-out log-perplexity after pre-training, lower is better:")
    table({"FFN": [r.ffn for r in glu_results.TABLE_1], "gated": ["yes" if r.gated else "no" for r in glu_results.TABLE_1],
           "65,536 steps (4 runs)": [f"{r.short:.3f} ({r.short_spread:.3f})" for r in glu_results.TABLE_1],
           "524,288 steps": [r.full for r in glu_results.TABLE_1],
           "better than ReLU by": [f"{glu_results.gain_over_baseline(r):+.3f}" for r in glu_results.TABLE_1]})
    best = min(glu_results.TABLE_1, key=lambda r: r.full)
    verdict = ("every gated FFN ended below every ungated one" if glu_results.worst_gated_beats_best_ungated()
               else "gated and ungated FFNs overlap")
    gloss.caption(f"After the full run {verdict}; {best.ffn} was lowest ({best.full:.3f}, "
                  f"{glu_results.gain_over_baseline(best):.3f} below ReLU), while swapping the activation alone gave "
                  + ", ".join(f"{r.ffn} {r.full:.3f}" for r in glu_results.TABLE_1[1:] if not r.gated)
                  + ". In brackets: the variability between the four short runs. The paper offers no explanation of why "
                  "gating works.")


if predict.ask("gating-parameters"):
    widths_and_evidence()
url_state.publish(PAGE, PARAMS)
