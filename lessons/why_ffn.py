"""Why attention is not enough: mixing is linear, XOR needs a non-linearity, linear layers collapse."""
import streamlit as st

from components.concepts import views as concept_views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import ChoiceParam, NumberParam
from components.shared.tables import table
from components.shared.widgets import page_start, plot
from model.demos.conditional import truth_table
from model.demos.expansion import VASWANI_D_FF, VASWANI_D_MODEL, preset_ratios
from model.demos.mixing import TOY_VALUES
from model.demos.width_search import LR, SEEDS, STEPS, WIDTHS
from model.demos.xor import DATASETS
from model.ffn.activations import ACTIVATIONS

PAGE = "why"
WORDS = list(TOY_VALUES)
LEARNING_RATES = ["0.001", "0.003", "0.01", "0.03", "0.05", "0.1", "0.3", "0.5"]
PARAMS = [
    *[NumberParam(f"w_{w}", d, lo=0.0, hi=1.0, integer=False) for w, d in zip(WORDS, (0.6, 0.3, 0.1, 0.0))],
    ChoiceParam("dataset", "xor", options=list(DATASETS)),
    NumberParam("hidden", 8, lo=1, hi=64),
    ChoiceParam("activation", "relu", options=list(ACTIVATIONS)),
    ChoiceParam("lr", "0.05", options=LEARNING_RATES),
    NumberParam("steps", 300, lo=10, hi=2000),
    NumberParam("seed", 0, lo=0, hi=999),
    NumberParam("c_d_model", 8, lo=2, hi=64),
    NumberParam("c_d_ff", 32, lo=2, hi=256),
    ChoiceParam("c_activation", "none", options=list(ACTIVATIONS)),
]
label = lambda a: ACTIVATIONS[a].label  # noqa: E731

k = page_start(
    PAGE, "Why attention is not enough",
    "Attention lets tokens share information, but for given weights what it outputs is a weighted **average** "
    "of value vectors. Three small experiments show what that cannot do, and what the FFN's per-token "
    "non-linearity adds.",
    weights="illustrative", params=PARAMS,
)

gloss.header("1 · For given weights, a weighted sum can only blend")
cols = st.columns(len(WORDS))
for col, word in zip(cols, WORDS):
    col.slider(f"Attention to “{word}”", 0.0, 1.0, step=0.05, key=k(f"w_{word}"),
               help=gloss.help_in(f"Attention to “{word}”"))
v = url_state.values(PAGE, PARAMS)
weights, output, inside, figure = concept_views.mixing_view(tuple(v[f"w_{w}"] for w in WORDS))
plot(figure, f"The {len(weights)} value vectors as labelled points in two dimensions, the dotted outline of "
             "everything a weighted average of them can reach (their convex hull), and the weighted sum for "
             f"your sliders as a star, {'inside' if inside else 'outside'} the outline.")
gloss.markdown(f"Attention's softmax makes its weights non-negative and sum to 1. Here your sliders stand in for "
               f"them, divided by their sum to give weights of the same kind (here: "
               f"{', '.join(f'{w} {x:.0%}' for w, x in zip(WORDS, weights))}). The output is then a convex "
               f"combination of the value vectors: inside their hull — **{'yes' if inside else 'NO'}**, for any "
               "sliders you choose. In a real model the weights depend on the tokens (softmax is non-linear), but "
               "for given weights attention blends what tokens carry: it applies no non-linearity to a token's "
               "features, such as one that is on when exactly one of two inputs is. The FFN does.")
gloss.markdown("**Where the picture stops.** The hull holds per head, before the output projection W_O: a layer's "
               "heads are joined and projected, and that output lies in no hull of the values. Attention is "
               "non-linear in its input through the softmax weights; what it lacks is a per-token, per-feature "
               "non-linearity. So a common line in course notes, that without FFNs “multiple attention layers would "
               "collapse into a single linear transformation”, is wrong: the weights change with the input, so the "
               "layers do not multiply into one matrix. What does happen is worse: attention alone, without FFNs and "
               "skip connections, loses rank doubly exponentially with depth, every token's vector converging to the "
               "same one (Dong, Cordonnier and Loukas 2021, ICML); in their analysis the skip "
               "connections counter it and the FFNs slow it.")

gloss.markdown("**Attention and the FFN side by side**")
table({
    "": ["scope", "weights on the tokens", "what it computes (for given weights)", "analogy"],
    "attention": ["mixes across positions: each token reads the others (in a causal model, the earlier ones)",
                  "computed from the tokens themselves (softmax of query · key), new for every input",
                  "a convex mix of value vectors: the output stays inside their hull, as above",
                  "a meeting: every token gathers notes from the others"],
    "FFN": ["one token at a time: the same function on every position",
            "fixed after training (W₁, W₂), the same for every token and every input",
            "an element-wise non-linearity per token between two linear maps: it can bend space (XOR below)",
            "each token back at its own desk, working on its notes with the same procedure"],
})

gloss.header("2 · XOR needs a non-linearity: train a tiny FFN live")


def xor_section() -> None:
    """Section 2's live training and width search, drawn once its prediction is answered."""
    c = st.columns(6)
    c[0].selectbox("Data", list(DATASETS), key=k("dataset"))
    c[1].slider("Hidden width", 1, 64, key=k("hidden"))
    c[2].selectbox("Activation", list(ACTIVATIONS), format_func=label, key=k("activation"),
                   help=gloss.help_in("Activation"))
    c[3].select_slider("Learning rate", LEARNING_RATES, key=k("lr"))
    c[4].slider("Steps", 10, 2000, step=10, key=k("steps"), help="Move it to step through training.")
    c[5].number_input("Seed", 0, 999, key=k("seed"))
    v = url_state.values(PAGE, PARAMS)
    result, boundary, losses = concept_views.xor_view(v["dataset"], v["hidden"], v["activation"], float(v["lr"]),
                                                       v["steps"], v["seed"])
    left, right = st.columns([3, 2])
    with left:
        plot(boundary, f"The plane shaded by the trained network's probability of class 1, with the {v['dataset']} "
                       f"training points of both classes on top: {result.accuracy:.0%} of them classified right after "
                       f"{v['steps']} steps (width {v['hidden']}, {label(v['activation'])}).")
    with right:
        plot(losses, f"Line: the training loss (binary cross-entropy) at every step, from {result.losses[0]:.3f} "
                     f"at the start to {result.losses[-1]:.3f} at the end.")
        st.metric("Training accuracy", f"{result.accuracy:.0%}")
    if v["activation"] == "none" and v["dataset"] == "xor":
        st.warning("With no activation the network is one linear map followed by a threshold: a single straight "
                   "line. No line separates XOR's diagonal clusters, so it can never get more than 3 of the 4 "
                   "clusters right (75%), however wide or long you train.")
    else:
        gloss.caption("Every hidden neuron bends the input space along one line; the output layer combines the bent "
                      "pieces. Try 'none (identity)' to see the boundary stay straight.")

    gloss.markdown("**How wide must it be?** A network with one hidden layer and enough neurons can approximate any "
                   "continuous function on a closed, bounded region as closely as you like: proved for S-shaped "
                   "activations by Cybenko (1989, *Mathematics of Control, Signals and Systems*) and Hornik, Stinchcombe "
                   "and White (1989, *Neural Networks*), and for every activation that is not a polynomial, ReLU "
                   "included, by Leshno, Lin, Pinkus and Schocken (1993, *Neural Networks*). The theorem does not say "
                   "how many neurons a task needs. Measured here, for the activation you chose:")
    if v["activation"] == "none":
        st.info("With no activation the network is linear at any width (section 3), so no width solves XOR, "
                "circles or spirals. Pick an activation to measure the smallest widths.")
    else:
        with st.spinner("Training every width until each dataset is solved (a few seconds, once per activation)…"):
            searches = concept_views.width_search_view(v["activation"])

        def width_text(width: int | None) -> str:
            return f"none up to {max(WIDTHS)}" if width is None else str(width)

        table({"data": list(searches),
               "smallest width, ≥ 95% right": [width_text(s.smallest[0.95]) for s in searches.values()],
               "smallest width, 100% right": [width_text(s.smallest[1.0]) for s in searches.values()],
               "best at width 1": [f"{s.tried[1]:.0%}" for s in searches.values()]})
        gloss.caption(f"{label(v['activation'])}: widths {', '.join(map(str, WIDTHS))} in turn (stopping when solved), each trained "
                      f"{STEPS} steps at learning rate {LR} with seeds {', '.join(map(str, SEEDS))}; a width counts as "
                      "soon as one seed gets there. Set the width slider above to one less and watch it fail.")

        def try_width(dataset: str, width: int) -> None:
            url_state.set_values(PAGE, {"dataset": dataset, "hidden": width, "lr": str(LR), "steps": STEPS})

        buttons = st.columns(len(searches))
        for col, (name, s) in zip(buttons, searches.items()):
            if s.smallest[1.0] is not None:
                col.button(f"Train {name} at width {s.smallest[1.0]}", key=k(f"try_{name}"), on_click=try_width,
                           args=(name, s.smallest[1.0]), help="Sets the data, width, learning rate and steps above.")

    gloss.markdown("**The same idea in words.** Say a token's vector carries two yes/no features: *n*, “this word is "
                   "a noun”, and *p*, “the sentence is in the past tense”. A neuron that should fire only when both "
                   "hold computes AND. A linear score such as n + p − 1 does not stay silent: it is −1 when neither "
                   "holds, so it writes something even when the token has neither feature. One ReLU neuron, relu(n + p − 1), is exactly 1 for "
                   "“both” and 0 otherwise. “Exactly one of the two”, noun but not past or past but not noun, is XOR: "
                   "no single line separates it. Two ReLU neurons compute it: relu(n − p) + relu(p − n).")
    rows = truth_table()
    table({"noun n": [r.noun for r in rows], "past p": [r.past for r in rows],
           "linear n + p − 1": [int(r.linear_and) for r in rows], "relu(n + p − 1): AND": [int(r.relu_and) for r in rows],
           "relu(n − p) + relu(p − n): XOR": [int(r.relu_xor) for r in rows]})


if predict.ask("xor-no-activation"):
    if k("xor_shown") not in st.session_state and not predict.reveal_all() \
            and url_state.value(PAGE, "activation") == "relu":
        # the learner just answered what a network with no activation reaches: the view opens on that case
        # (the reveal quotes it), not on the default ReLU; a link that chose another activation keeps it
        st.session_state[k("activation")] = "none"
    st.session_state[k("xor_shown")] = True
    xor_section()

gloss.header("3 · Two linear layers collapse into one")
c = st.columns(3)
c[0].slider("d_model", 2, 64, key=k("c_d_model"), help=gloss.help_in("d_model"))
c[1].slider("d_ff", 2, 256, key=k("c_d_ff"), help=gloss.help_in("d_ff"))
c[2].selectbox("Activation between them", list(ACTIVATIONS), format_func=label, key=k("c_activation"),
               help=gloss.help_in("Activation between them"))
v = url_state.values(PAGE, PARAMS)
res = concept_views.collapse_view(v["c_d_model"], v["c_d_ff"], v["c_activation"])
m = st.columns(3)
m[0].metric("max |FFN(x) − (W₂W₁x + b)|", f"{res.max_diff:.1e}", help=gloss.help_in("max |FFN(x) − (W₂W₁x + b)|"))
m[1].metric("rank of W₂W₁", f"{res.rank} (≤ {min(res.d_model, res.d_ff)})")
m[2].metric("Collapses to one matrix?", "yes" if res.max_diff < 1e-9 else "no")
gloss.caption("W₂·(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂): with no activation, the wide hidden layer buys nothing "
              "(checked on 256 random inputs in float64). Any non-linearity breaks the identity.")
gloss.header("4 · How wide is the hidden layer? 4× is a choice")
ratios = preset_ratios()
gloss.markdown(f"The original Transformer used d_ff = {VASWANI_D_FF:,} for d_model = {VASWANI_D_MODEL} "
               f"({VASWANI_D_FF / VASWANI_D_MODEL:g}×; Vaswani et al. 2017, *NeurIPS*). Nothing in the architecture "
               "requires 4: it is a setting chosen by experiment and budget. Gated FFNs have three matrices instead "
               "of two, so at equal parameters they are narrower (8/3 ≈ 2.67× has the weights of a 4× dense FFN), but the "
               "models below show that each family picks its own:")
table({"model": [r.name for r in ratios], "FFN": ["gated" if r.gated else "dense" for r in ratios],
       "d_model": [r.d_model for r in ratios], "d_ff": [r.d_ff for r in ratios],
       "d_ff / d_model": [f"{r.ratio:.2f}×" for r in ratios]})
url_state.publish(PAGE, PARAMS)
