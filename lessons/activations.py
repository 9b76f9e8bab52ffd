"""Activation functions: the non-linearity between the FFN's two matrices."""
import streamlit as st

from components.activations import views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import BoolParam, ChoiceParam, MultiChoiceParam, NumberParam
from components.shared.tables import shape_table
from components.shared.widgets import page_start, plot
from model.architectures import prose_facts
from model.ffn.activations import ACTIVATIONS, GLU_LABELS, GLU_VARIANTS, LEAKY_SLOPE

PAGE = "act"
NAMES = list(ACTIVATIONS)
FFN_KINDS = NAMES + list(GLU_VARIANTS)
PARAMS = [
    MultiChoiceParam("activations", ["relu", "gelu", "silu"], options=NAMES),
    NumberParam("x_range", 4.0, lo=0.5, hi=10.0, integer=False),
    BoolParam("derivative", False),
    ChoiceParam("glu", "swiglu", options=list(GLU_VARIANTS)),
    NumberParam("d_model", 256, lo=16, hi=1024),
    NumberParam("d_ff", 1024, lo=16, hi=4096),
    ChoiceParam("ffn_activation", "relu", options=FFN_KINDS),
    NumberParam("tokens", 64, lo=1, hi=256),
    NumberParam("seed", 0, lo=0, hi=9999),
]


def label(name: str) -> str:
    return ACTIVATIONS[name].label if name in ACTIVATIONS else GLU_LABELS[name]


k = page_start(
    PAGE, "Activation functions",
    "The FFN is `Linear → activation → Linear`. Without the activation in the middle the two "
    "matrices multiply into one: the FFN would be a single linear map of each token, and the block would lose "
    "its only element-wise non-linearity (softmax and the norms are non-linear too, but they weight and "
    "rescale whole vectors). Compare the "
    "non-linearities real models use, their slopes, and what they do to an FFN's hidden layer.",
    weights="random", params=PARAMS,
)
# three independent parts, each a fragment: a control reruns its own part only


@url_state.section(PAGE, PARAMS)
def curves() -> None:
    c1, c2, c3 = st.columns([3, 2, 1])
    c1.multiselect("Activations", NAMES, format_func=label, key=k("activations"), help=gloss.help_in("Activations"))
    c2.slider("Input range ±", 0.5, 10.0, step=0.5, key=k("x_range"))
    c3.toggle("Show derivatives", key=k("derivative"))
    v = url_state.values(PAGE, PARAMS)
    names = v["activations"] or ["relu"]
    plot(views.curves_figure(tuple(names), float(v["x_range"]), v["derivative"]),
         f"Lines: {', '.join(label(n) for n in names)} for inputs x from −{v['x_range']:g} to {v['x_range']:g}"
         + (", with their derivatives (′) in a second panel." if v["derivative"] else ".")
         + (" The side where ReLU's output and gradient are exactly 0 is shaded." if "relu" in names else ""))
    if "relu" in names:
        gloss.caption("The shaded side is ReLU's dead zone: for a negative input both its output and its gradient are "
                      "exactly 0. A neuron whose input is negative for every token gets no gradient there and can "
                      f"stop learning for good, a **dying ReLU**. Leaky ReLU keeps a small slope ({LEAKY_SLOPE}) on that "
                      "side for this reason (Maas, Hannun and Ng 2013, *ICML* workshop).")
    with st.expander("Formulas and where each is used", expanded=False):
        for name in names:
            a = ACTIVATIONS[name]
            gloss.markdown(f"**{a.label}**: ${a.formula}$ — {a.used_by}")


def gelu_near_zero() -> None:
    """Exact GELU against its tanh form and against ReLU (its caption quotes GELU − ReLU at ±1)."""
    gloss.header("Exact GELU, its tanh approximation, and ReLU near zero")
    left, right = st.columns(2)
    exact_vs_tanh, near_zero = views.gelu_figures()
    with left:
        plot(exact_vs_tanh, "Top: exact GELU (erf) and its tanh approximation for x from −4 to 4, drawn over each "
                            "other; bottom: their difference, exact − tanh.")
    with right:
        plot(near_zero, "ReLU and GELU for x from −3 to 2, with the gap between the two curves shaded.")
    gloss.caption(prose_facts.fill(
        "The two GELUs differ by at most {gelu_tanh_max_gap} on [−8, 8]. GPT-2's code uses the tanh form, which "
        "Hendrycks and Gimpel (2016, arXiv) gave as a faster approximation. GELU lies below ReLU by |x|·Φ(−|x|), "
        "the same on both sides of zero: GELU − ReLU is {gelu_minus_relu_1} at x = ±1, {gelu_minus_relu_2} at ±2 "
        "and {gelu_minus_relu_4} at ±4. So they differ most near zero, where GELU is curved and lets small "
        "negative values through."))


# the curves answer the question, and the GELU section quotes GELU(−1): both wait for the answer
if predict.ask("tour-activation-order"):
    curves()
    gelu_near_zero()

gloss.header("Gated units: act(g) · u")


@url_state.section(PAGE, PARAMS)
def gated() -> None:
    glu = st.segmented_control("Gated variant", list(GLU_VARIANTS), format_func=lambda n: GLU_LABELS[n],
                               key=k("glu"), required=True, help=gloss.help_in("Gated variant"))
    plot(views.glu_figure(glu), f"Heat map of one gated neuron's output {GLU_VARIANTS[glu]}(g) · u, for the gate "
                                "pre-activation g across and the up projection u upwards, each from −3 to 3.")
    act = GLU_VARIANTS[glu]
    gloss.caption(f"A gated neuron multiplies two projections of the same token: {act}(g) scales u. It is not a "
                  f"0–1 valve ({act}(3) = {prose_facts.value(act, 3.0):.2f}). Where {act}(g) > 0 the product has u's sign. "
                  f"{GLU_LABELS[glu]}: " + prose_facts.gated_caption(act))


gated()

gloss.header("A live random FFN")


@url_state.section(PAGE, PARAMS)
def live_ffn() -> None:
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.slider("d_model", 16, 1024, step=16, key=k("d_model"), help=gloss.help_in("d_model"))
    c2.slider("d_ff", 16, 4096, step=16, key=k("d_ff"), help=gloss.help_in("d_ff"))
    c3.selectbox("Activation", FFN_KINDS, format_func=label, key=k("ffn_activation"), help=gloss.help_in("Activation"))
    c4.slider("Tokens", 1, 256, key=k("tokens"), help=gloss.help_in("Tokens"))
    c5.number_input("Seed", 0, 9999, key=k("seed"))
    v = url_state.values(PAGE, PARAMS)
    title = views.live_title(v["tokens"], v["ffn_activation"])
    stats, histogram = views.random_ffn(v["d_model"], v["d_ff"], v["ffn_activation"], v["tokens"], v["seed"], title)
    m1, m2, m3 = st.columns(3)
    m1.metric("Exactly zero", f"{stats.frac_zero:.1%}", help="ReLU-style sparsity: these neurons are off.")
    m2.metric("Negative", f"{stats.frac_negative:.1%}", help="GELU and SiLU let small negatives through.")
    m3.metric("FFN parameters", f"{stats.n_params:,}", help=gloss.help_in("FFN parameters"))
    caption = (f"Histogram of all {v['tokens'] * v['d_ff']:,} hidden coefficients ({v['tokens']} random tokens × "
               f"d_ff {v['d_ff']:,}, {label(v['ffn_activation'])}): {stats.frac_zero:.1%} exactly zero, "
               f"{stats.frac_negative:.1%} negative.")
    left, right = st.columns([2, 1])
    with left:
        plot(histogram, caption)
    with right:
        gloss.markdown("**Shapes** (batch, tokens, features)")
        shape_table(stats.shapes)


if predict.ask("activations-relu-zeros"):
    live_ffn()
url_state.publish(PAGE, PARAMS)
