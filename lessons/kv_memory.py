"""Key-value memory: a trained model's FFN neurons on the user's own text."""
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from components.lm import compare_views, explanation_views, kv_views
from components.lm.kv_controls import format_neurons, parse_neurons, parse_weights, token_for
from components.lm.model_resource import ffn_label, link, require_model
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import ChoiceParam, NumberParam, TextParam
from components.shared.tables import table
from components.shared.token_html import code_span, coloured_tokens
from components.shared.widgets import page_header, plot, text_or_stop
from model.architectures.config import ModelConfig
from content.examples import KV_EXAMPLES
from model.lm import attribution as at
from model.lm.kv_memory import MAX_TOKENS
from model.lm.registry import BUNDLED

PAGE = "kv"
EXAMPLES = list(KV_EXAMPLES)


@dataclass(frozen=True)
class Question:
    """What every view reads: the text's analysis, the position, the token explained (and the one it
    is set against), the top predictions' texts, and the numbered headings of the page."""

    a: kv_views.Analysis
    position: int
    target: int
    target_label: str
    contrast: int | None
    pred_tokens: list[str]
    heading: Callable[[str], None]


def numbered_headings(first: int) -> Callable[[str], None]:
    """Section headers numbered on from `first`, so whatever view is open its sections count 1, 2, 3…"""
    count = iter(range(first, 100))
    return lambda title: gloss.header(f"{next(count)} · {title}")


def pick(name: str) -> None:
    url_state.set_values(PAGE, {name: st.session_state[k(f"{name}_pick")] or ""})


def target_controls(q: Question) -> None:
    """Which token to explain, and against which (picked from the predictions or typed). The
    boxes show the URL's values, so a new text never leaves a stale choice on screen."""
    c1, c2 = st.columns(2)
    vs = url_state.value(PAGE, "vs")
    st.session_state[k("target_pick")], st.session_state[k("vs_pick")] = q.target_label, vs
    c1.selectbox("Explain the token", list(dict.fromkeys([*q.pred_tokens, q.target_label])), format_func=repr,
                 accept_new_options=True, key=k("target_pick"), on_change=pick, args=("target",),
                 help="One of the top predictions, or type any single token (a leading space matters).")
    c2.selectbox("rather than", list(dict.fromkeys(["", *[t for t in q.pred_tokens if t != q.target_label], vs])),
                 format_func=lambda t: "nothing: explain its centred logit" if t == "" else repr(t),
                 accept_new_options=True, key=k("vs_pick"), on_change=pick, args=("vs",),
                 help="A contrast asks why the model preferred one token to another (a logit difference).")


def on_example(q: Question, measured: bool = False) -> bool:
    """Is the view showing the example the page's predictions are about: the bundled model's default
    text, its last position and the predicted token (and, for a `measured` view, no contrast and the
    default measure)? Only then is a view's prediction asked before it: a learner's own text shows at once."""
    plain = q.contrast is None and url_state.value(PAGE, "measure") == kv_views.DEFAULT_MEASURE
    return (MODEL == BUNDLED and text == EXAMPLES[0] and q.position == len(q.a.enc.ids) - 1
            and q.target_label == q.pred_tokens[0] and (plain or not measured))


def keys_view(q: Question) -> None:
    a, position = q.a, q.position
    q.heading("Keys: which neurons fire on which tokens")
    if on_example(q) and not predict.ask("kv-top-writer-rank"):
        return
    gloss.plain_caption(f"Opened on the neuron that wrote most of {q.target_label!r} (largest direct effect on its centred "
                        "logit); move the layer or type a neuron to explore.")
    st.slider("Layer", 0, lm.config.n_layers - 1, key=k("layer"))
    layer = url_state.value(PAGE, "layer")
    neurons, heatmap = kv_views.keys_heatmap(MODEL, text, layer)
    plot(heatmap, f"Heat map for layer {layer}: its {len(neurons)} most active neurons on this text (rows) against "
                  f"the {len(a.enc.pieces)} tokens (columns), coloured by each neuron's coefficient m on each token.")
    chosen = url_state.value(PAGE, "neuron")
    neuron = neurons[0] if chosen < 0 else chosen
    st.number_input("Neuron (−1 = the most active one)", -1, lm.config.d_ff - 1, key=k("neuron"),
                    help=gloss.help_in("Neuron (−1 = the most active one)"))
    coeffs = a.trace.coeffs[layer, :, neuron].numpy()
    gloss.plain_markdown(f"**Layer {layer}, neuron {neuron}**: its coefficient m on every token "
                         "(red positive, blue negative; hover for values)")
    st.markdown(coloured_tokens(a.enc.pieces, coeffs, highlight=position), unsafe_allow_html=True)
    if lm.config.ffn_kind == "gated":
        signs = kv_views.kv.sign_combinations(a.trace, layer, neuron)
        gloss.plain_caption(f"Unlike a ReLU key, a {ffn_label(lm.config)} coefficient "
                            f"m = {lm.config.activation}(gate·x)·(up·x) can be negative: the neuron then *subtracts* its "
                            "value vector. How often each sign pair of (gate, up) occurs on this text: "
                            + ", ".join(f"{name}: {count}" for name, count in signs.items()) + ".")
    else:
        gloss.plain_caption(f"In a dense FFN the coefficient is m = {ffn_label(lm.config).removeprefix('dense ')}(k·x + b) "
                            f"for the neuron's key k. Unlike a gated one it hardly goes below zero (here its lowest value on "
                            f"this text is {float(coeffs.min()):+.2f}): the neuron adds its value vector or stays nearly silent.")

    q.heading("Values: what the neuron writes")
    m_here = float(coeffs[position])
    up_tokens, down_tokens, _ = kv_views.value_reading(MODEL, layer, neuron, 1.0 if m_here >= 0 else -1.0)
    gloss.plain_markdown(f"Its value vector read through the final norm and the {'tied ' if lm.config.head == 'tied' else ''}"
                         f"unembedding, with the sign of its "
                         f"coefficient at position {position} (m = {m_here:+.3f}) taken into account:")
    c1, c2 = st.columns(2)
    gloss.plain_markdown("**Promotes** " + " ".join(code_span(t) for t in up_tokens), to=c1)
    c2.markdown("**Suppresses** " + " ".join(code_span(t) for t in down_tokens))
    rank = kv_views.readout_rank(MODEL, layer, neuron, 1.0 if m_here >= 0 else -1.0, q.target)
    gloss.plain_markdown(f"Where {code_span(q.target_label)} stands in what it writes: **rank {rank + 1:,}** of "
                         f"{lm.config.vocab_size:,} ({kv_views.rank_verdict(rank, lm.config.vocab_size)}).")

    q.heading("The check behind the picture")
    total, ffn_out = kv_views.kv.sub_update_sum(lm.model, a.trace, layer, position)
    gap = float((total - ffn_out).abs().max())
    bias = " and the FFN's output bias" if lm.config.ffn_bias else ""
    gloss.plain_markdown(f"Adding up all {lm.config.d_ff:,} sub-updates mᵢ·vᵢ of layer {layer} at position {position}{bias} "
                         f"gives the FFN's output: first values {', '.join(f'{v:+.4f}' for v in total[:4].tolist())} … "
                         f"vs {', '.join(f'{v:+.4f}' for v in ffn_out[:4].tolist())} …; largest difference "
                         f"over all {lm.config.d_model} dimensions: **{gap:.1e}** (float32 rounding).")
    if lm.config.post_norms:
        scale = float(a.trace.ffn_out_scales[layer, position])
        gloss.plain_caption(f"{lm.config.name} normalises the FFN's output before adding it to the residual stream (Gemma 2's "
                            f"post-norm): at this token the whole output is multiplied by {scale:.3g} (1/its rms), then by the "
                            "norm's weights. One number per token, so the sum still splits neuron by neuron: here vᵢ is the "
                            "down projection's column times those weights, and each mᵢ is taken times that number.")


def attribution_view(q: Question) -> None:
    position, target, target_label, contrast = q.position, q.target, q.target_label, q.contrast
    q.heading("Which neurons wrote this prediction")
    if on_example(q, measured=True) and not predict.ask("kv-paris-ffn-share"):
        return
    target_controls(q)
    st.segmented_control("Measured by", list(kv_views.MEASURES), format_func=lambda m: kv_views.MEASURES[m].label,
                         key=k("measure"), required=True)
    measure = url_state.value(PAGE, "measure")
    attr = kv_views.attribution(MODEL, text, position, target, contrast, measure)
    gloss.plain_markdown(kv_views.attribution_summary(attr, target_label, kv_views.token_labels(MODEL, [contrast])[0]
                                             if contrast is not None else None, position))
    # the chart, then the table at the page's width: the explanation column needs it
    left, right = st.container(), st.container()
    with left:
        plot(attr.figure, f"Horizontal bars, one per neuron (L layer, n neuron): the top {len(attr.rows)} for "
                          f"{target_label!r} after position {position}, each bar its "
                          f"{attr.figure.layout.xaxis.title.text}.")
    with right:
        table({"neuron": [f"L{lay} n{neu}" for lay, neu, _, _ in attr.rows],
               "effect": [v for _, _, v, _ in attr.rows], "m": [m for *_, m in attr.rows],
               f"rank of {target_label!r}": [r + 1 for r in attr.ranks],
               "top": [f"{(r + 1) / lm.config.vocab_size:.1%}" for r in attr.ranks],
               "promotes": [" ".join(repr(t) for t in p) for p in attr.promoted],
               **explanation_views.lines(lm, explanation_views.of_model(lm), [(lay, neu, m) for lay, neu, _, m
                                                                               in attr.rows])})
    gloss.plain_markdown(kv_views.specificity_summary(attr, target_label))

    q.heading("Check by switching them off")
    if on_example(q, measured=True) and not predict.ask("tour-paris-ablation"):  # the tour's step 7 asks it too
        return
    st.slider("Switch off the top", 1, 20, key=k("k_off"), format="%d neurons",
              help=gloss.help_in("Switch off the top"))
    k_off = url_state.value(PAGE, "k_off")
    chosen = tuple((lay, neu) for lay, neu, _, _ in attr.rows[:k_off])
    m0, m1, p0, p1 = kv_views.ablation_check(MODEL, text, position, target, contrast, chosen)
    c1, c2 = st.columns(2)
    c1.metric(f"p({target_label!r}) with them switched off", f"{p1:.1%}", f"{p1 - p0:+.1%} from {p0:.1%}",
              delta_color="off", help=gloss.help_in(f"p({target_label!r}) with them switched off"))
    metric_name = at.metric_name(attr.target)
    estimate = (f" (estimated {sum(v for _, _, v, _ in attr.rows[:k_off]):+.2f})"
                if kv_views.MEASURES[measure].estimates_switch_off else "")
    c2.metric(f"Change of the {metric_name}", f"{m1 - m0:+.2f}", estimate.strip(" ()") or None, delta_color="off")
    if contrast is None:
        gloss.plain_markdown(f"**Which ranking finds the neurons that matter?** Switching off the top {min(k_off, 10)} "
                             f"of each ranking:")
        comparison = kv_views.ranking_comparison(MODEL, text, position, target, min(k_off, 10))
        table({"ranked by": [name for name, _, _ in comparison],
               f"p({target_label!r}) after": [f"{after:.1%}" for _, _, after in comparison],
               "before": [f"{before:.1%}" for _, before, _ in comparison]})


def lens_view(q: Question) -> None:
    q.heading("Layer by layer: where the prediction forms")
    if on_example(q) and not predict.ask("kv-paris-lens"):
        return
    target_controls(q)
    lens, figure = kv_views.lens_view(MODEL, text, q.position, q.target)
    gloss.plain_markdown(kv_views.lens_summary(lens, q.target_label))
    plot(figure, f"Top: the probability of {q.target_label!r} if the model stopped after each sub-layer (log "
                 "scale); bottom: bars of what each layer's attention and FFN wrote into its centred logit.")


def intervene_view(q: Question) -> None:
    q.heading("Switch neurons off (or amplify them)")
    gloss.markdown(f"A single weight can matter more than a whole layer's neurons: see the super weight on "
                   f"[Inside a real FFN]({link('anatomy', MODEL, text=text)}).")
    c1, c2, c3 = st.columns(3)
    c1.slider("How many of the top contributing neurons", 0, 20, key=k("n_off"),
              help=gloss.help_in("How many of the top contributing neurons"))
    c2.slider("Multiply their coefficients by", -2.0, 4.0, step=0.5, key=k("factor"),
              help="0 switches them off; 2 doubles them; −1 flips them.")
    c3.selectbox("Also remove whole FFN layers", ["none", "all", "first_half", "second_half"], key=k("off_layers"),
                 help=gloss.help_in("Also remove whole FFN layers"))
    named, bad = parse_neurons(url_state.value(PAGE, "off"), lm.config.n_layers, lm.config.d_ff)
    if bad:
        st.warning("Not neurons of this model, left out: " + ", ".join(code_span(b) for b in bad))
    if named:
        chosen = tuple(named)
        gloss.plain_caption("Switching the neurons named in the link: " + format_neurons(named).replace(",", ", ")
                            + " (clear `off` in the URL to use the top contributors instead).")
    else:
        rows = kv_views.attribution(MODEL, text, q.position, q.target).rows
        chosen = tuple((lay, neu) for lay, neu, _, _ in rows[: url_state.value(PAGE, "n_off")])
    weights, bad_weights = parse_weights(url_state.value(PAGE, "zero"), lm.config.n_layers, lm.config.d_model,
                                         lm.config.d_ff)
    if bad_weights:
        st.warning("Not down-projection weights of this model, left out: " + ", ".join(code_span(b) for b in bad_weights))
    if weights:
        gloss.plain_caption("Also zeroed, in your view of the model only: " + ", ".join(
            f"layer {w.layer}'s W_down[{w.row}, {w.col}]" for w in weights) + " (from the link's `zero`).")
    half = lm.config.n_layers // 2
    layers_off = {"none": (), "all": tuple(range(lm.config.n_layers)), "first_half": tuple(range(half)),
                  "second_half": tuple(range(half, lm.config.n_layers))}[url_state.value(PAGE, "off_layers")]
    figure, before, after = kv_views.intervene(MODEL, text, q.position, chosen, url_state.value(PAGE, "factor"),
                                               layers_off, weights=tuple(weights))
    gloss.plain_caption("Neurons changed: " + (", ".join(f"L{lay} n{neu}" for lay, neu in chosen) or "none")
                        + (f"; FFN layers removed: {len(layers_off)}" if layers_off else ""))
    plot(figure, f"Grouped horizontal bars: the next-token probability before and after the change, for the "
                 f"{len(figure.data[0].y)} tokens in the top 10 before or after.")
    b_tok, a_tok = kv_views.token_labels(MODEL, [before[0], after[0]])
    gloss.plain_markdown(f"Top prediction before: **{b_tok!r}** ({before[1]:.1%}) · after: **{a_tok!r}** ({after[1]:.1%})")


def labour_view(q: Question) -> None:
    q.heading("Division of labour on this text")
    figure, labour, (no_ffn, no_attention) = kv_views.division_of_labour(MODEL, text)
    ffn_larger = int((labour.ffn_sizes > labour.attention_sizes).sum())
    plot(figure, f"Lines over the {len(labour.ffn_sizes)} layers: the mean size (‖update‖ over the tokens) of "
                 f"what attention and the FFN write into the residual stream; the FFN's is the larger in "
                 f"{ffn_larger} of them.")
    c1, c2, c3 = st.columns(3)
    c1.metric("Loss of the text (nats per token)", f"{labour.loss:.2f}",
              help=gloss.help_in("Loss of the text (nats per token)"))
    for column, name, removal in ((c2, "every FFN", labour.without_ffn),
                                  (c3, "all attention", labour.without_attention)):
        column.metric(f"Loss with {name} removed", f"{removal.loss:.2f}", f"{removal.loss - labour.loss:+.2f}",
                      delta_color="inverse", help=gloss.help_in(f"Loss with {name} removed"))
    for what, guesses in (("Without any FFN the model's top guesses after the last token become: ", no_ffn),
                          ("Without any attention, where each token sees only itself, they become: ", no_attention)):
        labels = kv_views.token_labels(MODEL, [i for i, _ in guesses])
        gloss.plain_markdown(what + ", ".join(f"{code_span(t)} ({p:.1%})" for t, (_, p) in zip(labels, guesses)))


def contexts_view(q: Question) -> None:
    q.heading("The same word in two contexts")
    c1, c2, c3 = st.columns([3, 3, 1])
    c1.text_input("Context A", key=k("ctx_a"), max_chars=500)
    c2.text_input("Context B", key=k("ctx_b"), max_chars=500)
    c3.text_input("Word", key=k("word"), max_chars=40)
    v = url_state.values(PAGE, PARAMS)
    if not (v["ctx_a"].strip() and v["ctx_b"].strip() and v["word"].strip()):
        st.info("Give two contexts and a word that occurs in both.")
        return
    diff = kv_views.two_contexts(MODEL, v["ctx_a"], v["ctx_b"], v["word"])
    if diff is None:
        st.warning(f"The word {v['word']!r} is not a single token in both contexts; try another word.")
        return
    table({"neuron": [f"L{lay} n{neu}" for lay, neu, _, _ in diff],
           "m in A": [x for _, _, x, _ in diff], "m in B": [y for _, _, _, y in diff]})
    gloss.plain_caption("The neurons whose coefficients on the word differ most: the same token, read in "
                        "different contexts, opens different memories.")


def compare_view(q: Question) -> None:
    compare_views.view(PAGE, MODEL, lm, text, q.heading)


@dataclass(frozen=True)
class View:
    label: str  # in the "Explore" picker
    show: Callable[[Question], None]


# The views below the prediction, by their name in the URL (?view=lens)
VIEWS: dict[str, View] = {
    "keys": View("Keys and values", keys_view),
    "attribution": View("Who wrote the prediction", attribution_view),
    "lens": View("Layer by layer", lens_view),
    "intervene": View("Switch neurons off", intervene_view),
    "labour": View("Attention vs FFN", labour_view),
    "contexts": View("Same word, two contexts", contexts_view),
    "compare": View("Two models", compare_view),
}


def page_params(cfg: ModelConfig) -> list:
    """The page's URL parameters, with layer and neuron ranges from the loaded model."""
    return [
        TextParam("text", EXAMPLES[0], max_chars=2000),
        ChoiceParam("view", "keys", options=list(VIEWS)),
        NumberParam("pos", -1, lo=-1, hi=MAX_TOKENS - 1),
        NumberParam("layer", -1, lo=-1, hi=cfg.n_layers - 1),
        NumberParam("neuron", -1, lo=-1, hi=cfg.d_ff - 1),
        NumberParam("factor", 0.0, lo=-2.0, hi=4.0, integer=False),
        NumberParam("n_off", 5, lo=0, hi=20),
        ChoiceParam("off_layers", "none", options=["none", "all", "first_half", "second_half"]),
        TextParam("ctx_a", EXAMPLES[1], max_chars=500),
        TextParam("ctx_b", EXAMPLES[2], max_chars=500),
        TextParam("word", "bank", max_chars=40),
        TextParam("target", "", max_chars=40),
        TextParam("vs", "", max_chars=40),
        ChoiceParam("measure", kv_views.DEFAULT_MEASURE, options=list(kv_views.MEASURES)),
        NumberParam("k_off", 10, lo=1, hi=20),
        TextParam("off", "", max_chars=400),
        TextParam("zero", "", max_chars=400),
        compare_views.param(url_state.value(PAGE, "model")),  # the second model of the "Two models" view
    ]


k = lambda name: url_state.key(PAGE, name)  # noqa: E731

page_header(
    "Key-value memory",
    "Geva et al. (2021, EMNLP), reading a 16-layer language model trained on WikiText-103, read an FFN as a "
    "memory: each of its hidden neurons has a **key** (a pattern in the "
    "token's vector that makes it fire, with coefficient m) and a **value** (the vector it then adds to the "
    "residual stream): FFN(x) = Σᵢ mᵢ·vᵢ. Here are the neurons of a trained language model on your text.",
    weights="trained",
)
MODEL, lm, PARAMS = require_model(PAGE, page_params)


def use_example() -> None:
    choice = st.session_state[k("example")]
    if choice:
        url_state.set_values(PAGE, {"text": choice, "pos": -1, "layer": -1, "neuron": -1, "target": "", "vs": ""})


st.pills("Examples", EXAMPLES, key=k("example"), on_change=use_example)
text = text_or_stop(PAGE, PARAMS, "Your text", max_chars=2000, height=80,
                    help=f"Any language, code or emoji. Up to {MAX_TOKENS} tokens are analysed.",
                    when_empty="Type a sentence above, or pick an example, to see which neurons fire on it.")

a = kv_views.analysis(MODEL, text)
n = len(a.enc.ids)
if a.enc.truncated:
    st.warning(f"Your text is longer than {MAX_TOKENS} tokens; only the first {MAX_TOKENS} are analysed.")
pos_value = url_state.value(PAGE, "pos")
position = n - 1 if pos_value < 0 or pos_value >= n else pos_value

gloss.header("1 · Tokens and the model's next-token prediction")
st.markdown(coloured_tokens(a.enc.pieces, highlight=position), unsafe_allow_html=True)
gloss.plain_caption(f"{n} tokens as the model sees them (· is a space, ↵ a line break). Predictions are for the "
                    f"token after position {position} (outlined).")
st.select_slider("Position", options=[-1, *range(n)], key=k("pos"),
                 format_func=lambda i: "last token" if i == -1 else f"{i}: {a.enc.pieces[i]!r}")
preds, pred_tokens, preds_figure = kv_views.predictions(MODEL, text, position)
left, right = st.columns([3, 2])
with left:
    plot(preds_figure, f"Bars: the model's probability for its top {len(pred_tokens)} next tokens after position "
                       f"{position}; the first, {pred_tokens[0]!r}, has {preds[0][1]:.1%}.")
with right:
    st.metric("Predicted next token", repr(pred_tokens[0]), f"{preds[0][1]:.1%}", delta_color="off",
              help=gloss.help_in("Predicted next token"))

@url_state.section(PAGE, PARAMS)
def explore(a, position: int, preds: list, pred_tokens: list) -> None:
    """Everything below the prediction: the chosen view and its controls (a fragment: moving
    one of them reruns only this part)."""
    view = st.segmented_control("Explore", list(VIEWS), format_func=lambda v: VIEWS[v].label, key=k("view"),
                                required=True)

    # the token to explain (the prediction unless one is chosen) and, optionally, the one it is set against
    target, problem = token_for(lm.tokenizer, url_state.value(PAGE, "target"))
    if problem:
        st.warning(f"Explaining the prediction instead: {problem}.")
    target = preds[0][0] if target is None else target
    contrast, problem = token_for(lm.tokenizer, url_state.value(PAGE, "vs"))
    if problem or contrast == target:
        st.warning(f"No contrast: {problem or 'a token cannot be set against itself'}.")
        contrast = None
    target_label = kv_views.token_labels(MODEL, [target])[0]
    if url_state.value(PAGE, "layer") < 0:  # open on the neuron that wrote most of the prediction
        top_layer, top = kv_views.top_neuron(MODEL, text, position, target)
        url_state.set_values(PAGE, {"layer": top_layer, "neuron": top if url_state.value(PAGE, "neuron") < 0 else
                                    url_state.value(PAGE, "neuron")})
    VIEWS[view].show(Question(a, position, target, target_label, contrast, pred_tokens, numbered_headings(2)))


explore(a, position, preds, pred_tokens)
url_state.publish(PAGE, PARAMS)
