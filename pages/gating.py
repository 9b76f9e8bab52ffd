"""SwiGLU and gating: two projections multiplied, and why d_ff ≈ 8/3 · d_model."""
import streamlit as st

from components.concepts import views as concept_views
from components.shared import server_tuning, url_state
from components.shared.params import ChoiceParam, NumberParam
from components.shared.tables import table
from components.shared.widgets import page_header, plot
from model.architectures import accounting
from model.ffn.activations import GLU_LABELS, GLU_VARIANTS

server_tuning.route_through_app()

PAGE = "glu"
PARAMS = [ChoiceParam("glu", "swiglu", options=list(GLU_VARIANTS)), NumberParam("neurons", 8, lo=2, hi=24),
          NumberParam("seed", 0, lo=0, hi=999), NumberParam("d_model", 256, lo=16, hi=8192)]
k = lambda name: url_state.key(PAGE, name)  # noqa: E731

page_header(
    "SwiGLU and gating",
    "LLaMA, Mistral and SmolLM2 replace `down(act(up·x))` with `down(act(gate·x) ⊙ up·x)`: the FFN makes "
    "**two** projections of the token and multiplies them, neuron by neuron. The gate decides how much "
    "of each neuron's up-projection passes.",
    weights="random",
)
url_state.restore(PAGE, PARAMS)
c = st.columns(3)
c[0].segmented_control("Variant", list(GLU_VARIANTS), format_func=GLU_LABELS.get, key=k("glu"), required=True)
c[1].slider("Neurons shown", 2, 24, key=k("neurons"))
c[2].number_input("Seed (a new random token)", 0, 999, key=k("seed"))
v = url_state.values(PAGE, PARAMS)
plot(concept_views.gating_view(v["glu"], 64, v["neurons"], v["seed"]))
st.caption("Where the gate is strongly negative the activation is ≈ 0 and the neuron is shut whatever up·x "
           "says; where it is positive the neuron passes up·x, with its sign. The product — the coefficient "
           "fed to the down projection — can be negative.")

st.subheader("Why d_ff ≈ 8/3 · d_model")
st.number_input("d_model", 16, 8192, step=16, key=k("d_model"))
d = url_state.value(PAGE, "d_model")
matched = accounting.parameter_matched_d_ff(d)
dense = 2 * d * 4 * d + 4 * d + d  # weights + the two bias vectors
gated = 3 * d * matched
table({
    "FFN": ["standard (2 matrices + biases)", f"{GLU_LABELS[v['glu']]} (3 matrices, no biases)",
            f"{GLU_LABELS[v['glu']]}, LLaMA rounding"],
    "d_ff": [f"{4 * d:,} (4×)", f"{matched:,} (8/3×)", f"{accounting.llama_d_ff(d):,}"],
    "parameters": [f"{dense:,}", f"{gated:,}", f"{3 * d * accounting.llama_d_ff(d):,}"],
})
st.caption("A gated FFN has three d_model × d_ff matrices instead of two, so to cost the same it needs "
           "2/3 of the width: 2/3 · 4 = 8/3. At d_model = 256: standard 525,568 vs SwiGLU (682) 523,776.")
url_state.publish(PAGE, PARAMS)
