"""Inside a real FFN: the super weight, massive activations and the kinds of neurons, live."""
import functools

import streamlit as st

from components.lm import anatomy_figures, anatomy_views, kv_views
from components.lm.model_resource import link, require_model
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import BoolParam, ChoiceParam, TextParam
from components.shared.tables import table
from components.shared.token_html import code_span
from components.shared.widgets import conclude, meaning, page_header, plot, text_or_stop
from content import meanings
from content.examples import ANATOMY_EXAMPLE
from model.lm import massive, neuron_kinds, registry, super_weight
from model.lm.kv_memory import token_text

PAGE = "anatomy"
PARAMS = [TextParam("text", ANATOMY_EXAMPLE, max_chars=1000),
          ChoiceParam("kind", "prediction", options=list(neuron_kinds.KINDS)),
          BoolParam("zero", False), BoolParam("massive", False), BoolParam("ablate", False)]
opening = page_header(
    "Inside a real FFN",
    "Three findings about FFNs from 2024, measured here on a trained model: a single weight in one down "
    "projection that some large models cannot do without (the super weight); a few residual-stream values "
    "thousands of times larger than the rest (massive activations); and kinds of neurons, read from their weights "
    "and, for two kinds, from their coefficients over a corpus. Every number is computed now; switching anything "
    "off changes only your own view, never the model other visitors use.",
    weights="trained",
)
k = functools.partial(url_state.key, PAGE)
MODEL, lm, _ = require_model(PAGE, PARAMS)
start_text = url_state.value(PAGE, "text") or PARAMS[0].default
conclude(opening, anatomy_views.conclusion(anatomy_views.spikes(MODEL, start_text)[1],
                                           anatomy_views.massive_found(MODEL, start_text)))
text = text_or_stop(PAGE, PARAMS, "Your text", max_chars=1000, height=70,
                    help="The super weight and massive activations are found from one forward pass over this text.",
                    when_empty="Type a sentence to look inside the model.")
a = kv_views.analysis(MODEL, text)
pieces = a.enc.pieces
texts, texts_label = anatomy_views.held_out_texts(MODEL)
frozen = tuple(tuple(t) for t in texts)


def tok(position: int) -> str:
    return code_span(pieces[position]) if 0 <= position < len(pieces) else f"position {position}"


def continuation(ids: list[int]) -> str:
    return code_span("".join(token_text(lm.tokenizer, i) for i in ids))


def zeroing_section(at_once: bool) -> None:
    """Zeroing the candidate beside the layer's other largest weights and random ones, on the
    held-out texts: `at_once` once the super-weight prediction's reveal has run it, else on a toggle."""
    if not at_once:
        st.toggle("Zero it, beside the layer's other largest weights and random ones", key=k("zero"),
                  help="Each weight is zeroed in your view of the model only, one at a time.")
    if at_once or url_state.value(PAGE, "zero"):
        with st.spinner("Running the texts with each weight zeroed in turn…"):
            study = anatomy_views.zeroing(MODEL, text, frozen)
        base = study.base.perplexity
        table({"weight zeroed": [f"{r.kind}: W[{r.weight.row}, {r.weight.col}]" for r in study.rows],
               "its value": [f"{r.value:+.3f}" for r in study.rows],
               "perplexity": [f"{r.scores.perplexity:,.1f}" for r in study.rows],
               "× as it is": [f"{r.scores.perplexity / base:,.2f}" for r in study.rows]})
        ratio = study.rows[0].scores.perplexity / base
        # what Yu et al. found comes after the learner's prediction about this model: it would answer it
        gloss.markdown("In 7B models Yu et al. found that zeroing one such weight sent perplexity up by orders of "
                       "magnitude, while zeroing thousands of other large weights did little. Here, on this model:")
        verdict = ("On these texts this model cannot do without it." if ratio >= 2 else
                   "On this model no single weight changes perplexity much: here the recipe finds a large weight, "
                   "not a super weight.")
        gloss.markdown(f"Perplexity on {texts_label}: {base:,.1f} as the model is, {study.rows[0].scores.perplexity:,.1f} "
                       f"with the one candidate zeroed ({ratio:,.1f}×). {verdict}")
        c1, c2 = st.columns(2)
        c1.markdown(f"**Greedy continuation, as it is:** {continuation(study.continuation[0])}", unsafe_allow_html=True)
        c2.markdown(f"**With the super weight zeroed:** {continuation(study.continuation[1])}", unsafe_allow_html=True)


gloss.header("1 · The super weight")
gloss.markdown(
    "Yu et al. (2024, arXiv 2411.07191) looked, in several large language models, for single scalars in one "
    "layer's down projection that matter far more than their size: super weights. Their recipe needs one forward "
    "pass and no data: find the layer "
    "where down_proj's largest input and largest output spike on the same token; the super weight connects that "
    "input channel (a neuron) to that output dimension.")
spikes, cand = anatomy_views.spikes(MODEL, text)
plot(anatomy_figures.spikes_figure(spikes.max_in, spikes.max_out, cand.weight.layer if cand else None),
     f"Two lines over the {len(spikes.max_in)} layers, on a log scale: down_proj's largest absolute input (a "
     "coefficient m) and its largest absolute output on this text"
     + (f"; the candidate's layer, {cand.weight.layer}, is marked." if cand else "."))
median_out = float(sorted(spikes.max_out)[len(spikes.max_out) // 2])
if cand is None:
    gloss.markdown(f"On this text no layer's output spikes: the largest is {spikes.max_out.max():,.1f}, under "
                   f"{super_weight.SPIKE:.0f} times the median layer's {median_out:,.1f}. Try another text.")
else:
    w = cand.weight
    gloss.markdown(
        f"**Candidate: layer {w.layer}, W_down[{w.row}, {w.col}] = {cand.value:+.3f}.** On {tok(cand.token)} neuron "
        f"{w.col}'s coefficient reaches {spikes.max_in[w.layer]:,.1f} and down_proj writes {spikes.max_out[w.layer]:,.1f} "
        f"into dimension {w.row}: {cand.out_ratio:,.0f} times the median layer's largest output ({median_out:,.1f}).")
    zero_link = link("kv_memory", MODEL, text=text, view="intervene", n_off=0, zero=f"L{w.layer}r{w.row}c{w.col}")
    neuron_link = link("kv_memory", MODEL, text=text, view="intervene", off=f"L{w.layer}n{w.col}")
    gloss.markdown(f"On the key-value page: [zero this one weight]({zero_link}) or [switch off its whole neuron]"
                   f"({neuron_link}) (the weight is one of the neuron's {lm.config.d_model} outputs) on your text.")
    meaning(meanings.VIEWS["super_weight"])
    # the prediction is about the bundled model's super weight, as the page's default text finds it
    known = MODEL == registry.BUNDLED and w == anatomy_views.spikes(MODEL, ANATOMY_EXAMPLE)[1].weight
    if not known:
        zeroing_section(at_once=False)
    elif predict.ask("anatomy-super-weight"):
        zeroing_section(at_once=True)

gloss.header("2 · Massive activations")
gloss.markdown(
    "Sun et al. (2024, COLM) found a few residual-stream values thousands of times larger than the median, on the "
    "first token or a delimiter, appearing abruptly after one layer and then kept almost constant: they act as "
    "fixed biases. Yu et al. (2024, arXiv) traced where they come from: a super weight in that layer's down "
    f"projection writes them. Here a value is massive when it is at least {massive.RATIO:,.0f} times its layer's "
    f"median and above {massive.FLOOR:,.0f}, as Sun et al. define it.")
found = anatomy_views.massive_found(MODEL, text)
if not found:
    gloss.markdown("No value in this text's residual stream is massive by that rule.")
else:
    table({"dimension": [str(m.dim) for m in found[:8]], "token": [pieces[m.position] for m in found[:8]],
           "massive after layers": [f"{m.first_layer}–{m.last_layer}" for m in found[:8]],
           "value": [f"{m.value:+,.0f}" for m in found[:8]],
           "× the median": [f"{m.ratio:,.0f}" for m in found[:8]]})
    top = found[0]
    values, medians = massive.trajectory(a.trace, top)
    plot(anatomy_figures.massive_figure(values.numpy(), medians.numpy(),
                                        f"dimension {top.dim} on {pieces[top.position]!r}"),
         f"Two lines after each layer, on a log scale: the absolute value of dimension {top.dim} on "
         f"{pieces[top.position]!r}, and the median absolute value of the residual stream.")
    ffn, attn, writers = massive.writers(lm.model, a.trace, top)
    gloss.markdown(
        f"In layer {top.first_layer} of {lm.config.n_layers}, the FFN added {ffn:+,.1f} to dimension {top.dim} on {tok(top.position)} and "
        f"attention {attn:+,.1f}. The FFN's largest writers: " +
        ", ".join(f"[n{w.neuron}]({link('kv_memory', MODEL, text=text, view='intervene', off=f'L{w.layer}n{w.neuron}')})"
                  f" ({w.part:+,.1f})" for w in writers) + " (each opens the key-value page with it switched off).")
    said = anatomy_views.massive_meaning(cand, top, writers)
    if said:
        meaning(said)
    st.toggle("Set them to zero, then to their mean, and predict", key=k("massive"))
    if url_state.value(PAGE, "massive"):
        with st.spinner("Running your text three ways…"):
            means, preds = anatomy_views.massive_effects(MODEL, text, frozen)
        table({"the massive values": list(preds),
               "top prediction": [f"{token_text(lm.tokenizer, p[0][0])!r} {p[0][1]:.1%}" for p in preds.values()],
               "next four": [", ".join(f"{token_text(lm.tokenizer, i)!r} {q:.1%}" for i, q in p[1:])
                             for p in preds.values()]})
        gloss.caption("Their mean is taken at the same position and dimension over the corpus texts: "
                      + ", ".join(f"{v:+,.0f}" for v in means) + ".")

gloss.header("3 · Kinds of neurons")
gloss.markdown(
    "Gurnee et al. (2024, TMLR) and Stolfo et al. (2024, NeurIPS) sorted neurons by what they do. From the weights "
    "alone: read a neuron's value vector over the vocabulary, and a heavy-tailed readout skewed to the right "
    "promotes a few tokens (prediction neuron), skewed to the left suppresses a few (suppression neuron); a large "
    "value vector lying in the directions the unembedding reads least changes the model's confidence instead of "
    "any token (entropy neuron). With a corpus too: a readout along the tokens' log frequency in the corpus pushes "
    "towards or away from common tokens (token-frequency neuron). FFN Lab adds a fifth label of its own, not one "
    "these papers define: dormant, a neuron that never fires strongly on the corpus.")
masks = anatomy_views.kind_masks(MODEL)
if masks is None:
    st.info("The neuron dictionary of this model is being built; the kinds need its corpus statistics.")
else:
    counts = {kind: mask.sum(axis=1).tolist() for kind, mask in masks.items()}
    plot(anatomy_figures.kinds_figure(counts),
         "Stacked bars, one per layer: how many of its neurons fall in each kind ("
         + ", ".join(f"{kind} {sum(c):,} in all" for kind, c in counts.items()) + ").")
    gloss.caption(
        f"Rules, with thresholds of FFN Lab's own (the papers rank neurons rather than cut them off): prediction and "
        f"suppression, excess kurtosis ≥ {neuron_kinds.KURTOSIS:g} with skew ≥ "
        f"{neuron_kinds.SKEW:g} or ≤ −{neuron_kinds.SKEW:g}; entropy, a value vector among the largest "
        f"{neuron_kinds.NORM_TOP:.0%} by norm with ≥ {neuron_kinds.NULL_SHARE:.0%} of its squared norm in the "
        f"unembedding's {neuron_kinds.NULL_DIRECTIONS:.0%} least-read directions; token frequency, |correlation| ≥ "
        f"{neuron_kinds.FREQUENCY:g} with log token frequency in the corpus; dormant (FFN Lab's own kind), |m| "
        f"never reaching {neuron_kinds.DORMANT:g} on any corpus token (SiLU never gives an exact zero). Counts: "
        + ", ".join(f"{kind} {int(mask.sum()):,}" for kind, mask in masks.items()) + ".")
    meaning(meanings.VIEWS["kinds"])
    st.segmented_control("Check a kind", list(neuron_kinds.KINDS), key=k("kind"), required=True)
    kind = url_state.value(PAGE, "kind")
    stats = anatomy_views.weight_stats(MODEL)
    members = neuron_kinds.top_of_kind(stats, masks, kind, 3)
    if not members:
        gloss.markdown(f"This model has no {kind} neuron by the rule above.")
    else:
        gloss.markdown(f"The clearest {kind} neurons: " + ", ".join(
            f"[L{layer} n{n}]({link('neurons', MODEL, layer=layer, neuron=n)})" for layer, n in members)
            + " (each opens its card in the neuron dictionary).")
        st.toggle(f"Check them by mean ablation on {texts_label}", key=k("ablate"))
        if url_state.value(PAGE, "ablate"):
            with st.spinner("Setting each neuron to its corpus mean and running the texts…"):
                rows = anatomy_views.ablation_check(MODEL, kind, frozen)
            table({"neuron": [f"{label}: L{r.layer} n{r.neuron}" for label, r in rows],
                   "Δ entropy (direct / total)": [f"{r.entropy[0]:+.4f} / {r.entropy[1]:+.4f}" for _, r in rows],
                   "Δ KL to unigram": [f"{r.kl_unigram[0]:+.4f} / {r.kl_unigram[1]:+.4f}" for _, r in rows],
                   "Δ loss": [f"{r.loss[0]:+.4f} / {r.loss[1]:+.4f}" for _, r in rows]})
            gloss.caption("Mean ablation sets the neuron's coefficient to its mean over the corpus on every token. "
                          "Direct: only its own path to the logits changes. Total: the texts run again, so later layers "
                          "see the change too. Each figure is in nats, after minus before, averaged over the texts' "
                          "tokens; random neurons of the same layers are the baseline.")
url_state.publish(PAGE, PARAMS)
