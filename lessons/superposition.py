"""Superposition: Elhage et al.'s toy ReLU model stores more sparse features than it has dimensions,
and a toy FFN computing in superposition has polysemantic neurons; the bridge to the real model's
neuron dictionary."""
import streamlit as st

from components.concepts import superposition_figures as sf
from components.concepts import superposition_views as views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import ChoiceParam, NumberParam
from components.shared.tables import table
from components.shared.widgets import page_start, plot
from model.architectures.presets import PRESETS
from model.demos import superposition as sp

PAGE = "sup"
SPARSITIES = [f"{s:g}" for s in sp.SPARSITIES]
DECAYS = ["0.5", "0.6", "0.7", "0.8", "0.9", "0.95", "1"]
N_MAX, M_MAX, ABS_MAX = 32, 10, 16
SMOLLM2 = PRESETS["smollm2-135m"]
PARAMS = [
    NumberParam("n", views.OPENING.n, lo=2, hi=N_MAX), NumberParam("m", views.OPENING.m, lo=1, hi=M_MAX),
    ChoiceParam("sparsity", f"{views.OPENING.sparsity:g}", options=SPARSITIES),
    ChoiceParam("decay", f"{views.OPENING.decay:g}", options=DECAYS),
    NumberParam("a_n", views.ABS_OPENING.n, lo=2, hi=ABS_MAX),
    NumberParam("a_m", views.ABS_OPENING.m, lo=1, hi=ABS_MAX),
    ChoiceParam("a_sparsity", f"{views.ABS_OPENING.sparsity:g}", options=SPARSITIES), NumberParam("neuron", 0, lo=0, hi=ABS_MAX - 1),
]

k = page_start(
    PAGE, "Superposition: more features than dimensions",
    "A model has far more things to track than its layers have dimensions: a real FFN's neurons seem to fire for "
    "several unrelated things at once. Elhage et al. (2022, *Toy Models of Superposition*, Transformer Circuits "
    "Thread) showed why with a model small enough to train here in a second or two. When the features it must "
    "carry are *sparse*, rarely on together, a ReLU layer stores more of them than it has dimensions, as "
    "overlapping directions: superposition. Its neurons then stop lining up with single features.",
    weights="trained_here", params=PARAMS,
)

gloss.header("1 · n features in m dimensions")
gloss.markdown(
    "The model: n features x₁…xₙ go into m hidden dimensions and back, x′ = ReLU(WᵀWx + b), where W is m × n and "
    "its column Wᵢ is feature i's direction. Each feature is 0 with probability S (its sparsity) and uniform "
    "between 0 and 1 otherwise. Training minimises Σᵢ Iᵢ (xᵢ − x′ᵢ)²: feature i has importance Iᵢ = decayⁱ, so "
    "feature 0 matters most. Adam trains one model per sparsity on the chart below, side by side, from a fixed "
    f"seed ({sp.STEPS:,} steps of {sp.BATCH} samples).")


def toy_model_sections() -> None:
    """Sections 1 and 2: the toy model at the chosen setting and its phase change, drawn once the
    prediction is answered."""
    c = st.columns(4)
    c[0].slider("Features n", 2, N_MAX, key=k("n"), help=gloss.help_in("Features n"))
    n = url_state.value(PAGE, "n")
    if url_state.value(PAGE, "m") > min(M_MAX, n):
        url_state.set_values(PAGE, {"m": min(M_MAX, n)})
    c[1].slider("Hidden dimensions m", 1, min(M_MAX, n), key=k("m"))
    c[2].select_slider("Sparsity S", SPARSITIES, key=k("sparsity"), help="The probability that a feature is 0.")
    c[3].select_slider("Importance decay", DECAYS, key=k("decay"), help="Feature i's importance is decayⁱ; 1 makes all "
                       "features equally important.")
    v = url_state.values(PAGE, PARAMS)
    with st.spinner("Training the toy model at every sparsity (a second or two, once per setting)…"):
        view = views.toy_view(v["n"], v["m"], float(v["decay"]), float(v["sparsity"]))
    t = view.model
    shown = st.columns(4)
    shown[0].metric("Represented", f"{int(t.represented.sum())} of {t.n}",
                    help=f"‖Wᵢ‖ ≥ {sp.REPRESENTED}: the model can read the feature back.")
    shown[1].metric("In superposition", int(t.shared.sum()),
                    help=f"Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² ≥ {sp.SHARED}: other features' directions overlap this one's.")
    shown[2].metric("Dims per feature", f"{t.dims_per_feature:.2f}", help="m / ‖W‖²: 1 when every represented "
                    "feature has a dimension of its own, 0.5 for pairs pointing in opposite directions, 0.4 for five "
                    "directions of length 1 in two dimensions (less when they are longer).")
    shown[3].metric("Weighted error", f"{t.loss:.4f}",
                    help="Σᵢ Iᵢ (xᵢ − x′ᵢ)², the quantity training minimises, on fresh samples.")
    left, right = st.columns(2)
    with left:
        if view.directions is not None:
            angles = t.angles()
            plot(view.directions, f"Arrows: the {t.n} features' directions Wᵢ in the 2 hidden dimensions, "
                                  f"{int(t.represented.sum())} of them of length ≥ {sp.REPRESENTED}"
                                  + (f", {', '.join(f'{a:.0f}°' for a in angles)} apart going round." if len(angles) > 1
                                     else "."))
        else:
            plot(view.norms, f"Bars: ‖Wᵢ‖ for each of the {t.n} features, most important first; "
                             f"{int(t.represented.sum())} reach the dotted line at {sp.REPRESENTED} (represented), "
                             f"{int(t.shared.sum())} of them in superposition.")
    with right:
        plot(view.gram, f"Heat map: WᵀW, {t.n} × {t.n}. The diagonal is each feature's ‖Wᵢ‖²; an off-diagonal cell "
                        f"is how much two features' directions overlap (red alike, blue opposite, white orthogonal); "
                        f"the largest overlap here is {t.max_overlap:.2f}.")
    if view.directions is not None:
        plot(view.norms, f"Bars: ‖Wᵢ‖ for each of the {t.n} features, most important first; "
                         f"{int(t.represented.sum())} reach the dotted line at {sp.REPRESENTED} (represented), "
                         f"{int(t.shared.sum())} of them in superposition.")
    gloss.caption("Blue: a feature with a dimension to itself. Orange: a feature in superposition, sharing its "
                  f"dimensions (Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² ≥ {sp.SHARED}, the paper's measure: how much the other features project "
                  "onto its direction; hover a bar for it). Grey: dropped. The negative bias b lets the ReLU filter out "
                  "the small overlaps a sparse input leaves on the features that are off.")

    gloss.header("2 · The phase change")
    phase = view.phase
    first, last = phase[0], phase[-1]
    plot(view.phase_figure,
         f"Stacked bars: at each sparsity, how many of the {t.n} features get a dimension of their own, share "
         f"dimensions in superposition, or are dropped; the line is dimensions per feature. At S = {first.sparsity:g}: "
         f"{first.alone} own, {first.shared} shared, {first.dropped} dropped; at S = {last.sparsity:g}: {last.alone} own, "
         f"{last.shared} shared, {last.dropped} dropped. The arrow marks the sparsity chosen above.")
    gloss.markdown(
        "With dense features, two features that overlap would disturb each other on almost every input, so the model "
        "keeps the m most important ones, one dimension each, and drops the rest: the best a linear model can do. "
        "As features get sparser, two of them are rarely on together, the overlap costs little, and the model packs "
        "in more of them. The switch is abrupt, a phase change in the paper's words: first pairs pointing in opposite "
        "directions (½ dimension each), then larger shapes, such as five features in a pentagon in two dimensions.")

    default = views.opening(), views.opening(sparsity=0.0)
    pentagon, dense = default
    o = views.OPENING
    gloss.markdown("**The paper's results, reproduced.** Its two checks, on the page's opening setting "
                   f"(n = {o.n}, m = {o.m}, decay {o.decay:g}), trained live:")
    table({"sparsity": [f"S = {pentagon.sparsity:g}", f"S = {dense.sparsity:g}"],
           f"‖Wᵢ‖, features 0 to {o.n - 1}": [", ".join(f"{x:.2f}" for x in tm.norms) for tm in default],
           "represented": [f"{int(tm.represented.sum())} of {tm.n}" for tm in default],
           "angles between neighbours": [", ".join(f"{a:.0f}°" for a in tm.angles()) for tm in default],
           "the paper": ["all five, as a pentagon (72° apart)", f"only the m = {o.m} most important"]})


if predict.ask("superposition-five-in-two"):
    toy_model_sections()


def computation_section() -> None:
    """Section 3's toy FFN, drawn once its prediction is answered."""
    c = st.columns(4)
    c[0].slider("Features", 2, ABS_MAX, key=k("a_n"))
    c[1].slider("Hidden neurons", 1, ABS_MAX, key=k("a_m"), help=gloss.help_in("Hidden neurons"))
    c[2].select_slider("Sparsity", SPARSITIES, key=k("a_sparsity"), help="The probability that a feature is 0.")
    a_m = url_state.value(PAGE, "a_m")
    if url_state.value(PAGE, "neuron") > a_m - 1:
        url_state.set_values(PAGE, {"neuron": a_m - 1})
    c[3].number_input("Neuron to inspect", 0, a_m - 1, key=k("neuron"))
    v = url_state.values(PAGE, PARAMS)
    with st.spinner("Training the toy FFN, and the same with one feature per neuron (seconds, once per setting)…"):
        a = views.abs_model(v["a_n"], v["a_m"], float(v["a_sparsity"]))
        alone = views.abs_model(v["a_n"], v["a_m"], float(v["a_sparsity"]), monosemantic=True)
        weights_fig, response_fig = views.abs_figures(v["a_n"], v["a_m"], float(v["a_sparsity"]), v["neuron"])
    shown = st.columns(4)
    shown[0].metric("Cases computed", f"{int(a.computed.sum())} of {2 * a.n}",
                    help="A feature alone at +1 or at −1, output within 0.25 of |x| = 1.")
    shown[1].metric("Without sharing, at most", f"{min(a.m, 2 * a.n)}",
                    help="A neuron that reads one feature fires for one sign of it: one case per neuron.")
    shown[2].metric("Polysemantic", f"{int(a.polysemantic.sum())} of {a.m}",
                    help=f"Neurons that fire ≥ {sp.FIRES} for two or more different features alone.")
    shown[3].metric("Squared error", f"{a.loss:.3f}", delta=f"{a.loss - alone.loss:+.3f} vs one feature per neuron",
                    delta_color="inverse",
                    help=f"Σᵢ (|xᵢ| − y′ᵢ)² on fresh samples. The same model trained the same way, but with each neuron "
                         f"allowed to read only one feature (no sharing), scores {alone.loss:.3f}.")
    left, right = st.columns(2)
    with left:
        plot(weights_fig, f"Heat map: W₁, the weight with which each of the {a.m} hidden neurons (rows) reads each of "
                          f"the {a.n} features (columns); red positive, blue negative.")
    with right:
        fires = a.fires_for(v["neuron"])
        named = ", ".join(f"x{f} {'> 0' if s > 0 else '< 0'}" for f, s in fires) or "no single feature"
        plot(response_fig, f"Bars: neuron {v['neuron']}'s activation when one feature alone is +1 or −1. It reaches the "
                           f"dotted line at {sp.FIRES} for {named}.")
    firings = a.top_firings(v["neuron"])
    gloss.markdown(f"**Neuron {v['neuron']}'s card.** As the neuron dictionary lists a real neuron's strongest contexts, "
                   f"here are the inputs, from {sp.SAMPLES:,} samples of the training data, on which this neuron "
                   "fires hardest:")
    table({"activation": [f"{h:.2f}" for h, _ in firings],
           "features on in that input": [", ".join(f"x{i} = {sf.signed(x)}" for i, x in on.items()) for _, on in firings]})
    gloss.caption(f"The model computes {int(a.computed.sum())} of the {2 * a.n} signed cases with {a.m} neurons, where "
                  f"neurons that each read one feature could cover at most {min(a.m, 2 * a.n)}; "
                  f"{int(a.polysemantic.sum())} of its {a.m} neurons fire for two or more unrelated features. Try "
                  "sparsity 0: with dense features sharing costs too much.")


gloss.header("3 · Computing in superposition: polysemantic neurons")
gloss.markdown(
    "Storing is not all: the paper's section *Computation in Superposition* trains a layer with hidden ReLU "
    "neurons to compute something. Here: h = ReLU(W₁x), y′ = ReLU(W₂h + b), trained to output |xᵢ| for every "
    "feature, with each feature 0 with probability S and uniform between −1 and 1 otherwise (all equally "
    "important). |x| = ReLU(x) + ReLU(−x) takes two neurons per feature, one for each sign; "
    "with fewer neurons than features the model must share them.")
if predict.ask("polysemantic-neurons"):
    computation_section()

gloss.header("4 · Back to the real model")
median = views.explanation_median()
gloss.markdown(
    f"SmolLM2-135M's FFN has {SMOLLM2.d_ff:,} neurons per layer, and the text it reads holds far more than "
    f"{SMOLLM2.d_ff:,} things worth tracking. If those features are sparse, the toy model suggests they are "
    "stored in superposition, each neuron mixing several of them. That is one reason a neuron's explanation on "
    "the neuron dictionary explains little of it: one line names one thing, and the neuron fires for several"
    + (f" (the median line's held-out correlation with its neuron, over top and random excerpts, is {median:.2f})."
       if median is not None else ".")
    + " So the field turned from reading neurons one by one to training sparse dictionaries: a sparse "
    "autoencoder rewrites a layer's activations as a few of many more directions, each trained to be on rarely, "
    "and these read far more like single features than the neurons do (Bricken et al. 2023, *Towards "
    "Monosemanticity*, on a one-layer model's MLP). A transcoder does the same for the whole FFN: a wider, sparse "
    "FFN trained to reproduce its output from its input, so circuits can be traced through features instead of "
    "neurons (Dunefsky, Chlenski & Nanda 2024, NeurIPS). Keeping only the k largest hidden units of each token "
    "fixes how many are on (Gao et al. 2024, *Scaling and evaluating sparse autoencoders*).")
st.page_link("lessons/neurons.py", label="See SmolLM2's neurons and their explanations", icon=":material/menu_book:",
             help=gloss.help_in("See SmolLM2's neurons and their explanations"))
url_state.publish(PAGE, PARAMS)
