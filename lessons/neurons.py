"""Neuron dictionary: every FFN neuron of the trained model with its top contexts, what it does in
words with held-out scores, and search by token or by words."""
import streamlit as st

from components.lm import anatomy_views, dictionary_views, explanation_views
from components.lm.model_resource import link, require_model
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.histogram import signed_histogram
from components.shared.params import NumberParam, TextParam
from components.shared.tables import table
from components.shared.token_html import code_span
from components.shared.widgets import meaning, page_header, plot
from content import meanings
from model.architectures.config import ModelConfig
from model.lm import kv_memory as kv
from model.lm import neuron_dictionary as nd
from model.lm import explanations as ex
from model.lm import readout, registry

PAGE = "dict"


def page_params(cfg: ModelConfig) -> list:
    """The page's URL parameters, with layer and neuron ranges from the loaded model."""
    return [NumberParam("layer", min(20, cfg.n_layers - 1), lo=0, hi=cfg.n_layers - 1),
            NumberParam("neuron", 0, lo=0, hi=cfg.d_ff - 1), TextParam("token", " Paris", max_chars=40),
            TextParam("words", "months", max_chars=60), NumberParam("named", 0, lo=0, hi=ex.SHOWN),
            NumberParam("layer_named", 0, lo=0, hi=ex.SHOWN)]


k = lambda name: url_state.key(PAGE, name)  # noqa: E731


def neuron_table(rows: dict[str, list], cards: list[tuple[int, int]], signs: list[float] | None = None) -> None:
    """Neurons with a link that opens each one's card (a shareable URL) and, where the neurons are
    explained, the explanation of the sign (`signs`, + where not given) they fire with."""
    words = explanation_views.lines(lm, explained, [(layer, n, s) for (layer, n), s
                                                    in zip(cards, signs or [1.0] * len(cards))])
    table({"layer": [str(layer) for layer, _ in cards], "neuron": [str(n) for _, n in cards], **rows, **words,
           "card": [link("neurons", MODEL, layer=layer, neuron=n) for layer, n in cards]},
          links={"card": "open card"})


page_header(
    "Neuron dictionary",
    "Every FFN neuron of a trained model, with the corpus contexts that make it fire hardest "
    "(its key, seen from the data) and the tokens its value vector promotes. The built-in corpus mixes "
    "encyclopaedic definitions, quotations and dialogue, essays, arithmetic and some code; or upload your own. "
    "Each neuron also has an explanation in words for each sign of its coefficient, drawn from its strongest "
    "firings and scored on held-out text: its card says how many of those firings it names and what the scores mean.",
    weights="trained", conclusion=meanings.CONCLUSIONS["neurons"],
)
MODEL, lm, PARAMS = require_model(PAGE, page_params)

upload = st.file_uploader("Your own corpus (.txt, UTF-8, up to 20,000 characters)", type=["txt"],
                          help=gloss.help_in("Your own corpus (.txt, UTF-8, up to 20,000 characters)"))
dictionary, source = None, "the built-in corpus"
if upload is not None:
    text, problem = dictionary_views.decode_upload(upload.getvalue())
    if problem:
        st.error(problem + " Using the built-in corpus instead.")
    else:
        dictionary, source = dictionary_views.upload_dictionary(lm, text), f"your file {upload.name!r}"
if dictionary is None:  # while it is being built: what it has covered so far, once there is something
    dictionary = dictionary_views.builtin_dictionary(lm, partial=True)
if dictionary is None:
    url_state.publish(PAGE, PARAMS)
    st.stop()
st.caption(dictionary_views.caption(dictionary, source))
explained = (explanation_views.built_or_building(lm, dictionary) if upload is None
             else explanation_views.explanations(lm, dictionary))

gloss.header("Search by token")
st.text_input("Token (a leading space matters: ' Paris' is the word, 'Paris' the start of a line)",
              key=k("token"), max_chars=40,
                  help=gloss.help_in("Token (a leading space matters: ' Paris' is the word, 'Paris' the start of a line)"))
query = url_state.value(PAGE, "token")
ids = lm.tokenizer.encode(query, add_special_tokens=False).ids if query else []
if not ids:
    st.info("Type a word to find the neurons that fire on it and the ones that write it.")
else:
    token = ids[-1]
    label = kv.token_text(lm.tokenizer, token)
    if len(ids) > 1:
        st.caption(f"{query!r} is {len(ids)} tokens; searching its last one, {label!r}.")
    firing, seen = dictionary_views.firing_on(lm, dictionary, dictionary.fingerprint, token)
    promoting = dictionary_views.promoting(lm, token)
    # side by side, unless the explanations' column needs the page's width
    c1, c2 = st.columns(2) if explained is None else (st.container(), st.container())
    with c1:
        gloss.plain_markdown(f"**Fire most on {code_span(label)}**, each on its own scale: its mean coefficient "
                             + (f"over {seen} occurrences in the corpus" if seen else "(not in the corpus: run on its own)")
                             + " as a share of its strongest firing anywhere in the corpus")
        neuron_table({"of its peak": [f"{f.share_of_peak:.0%}" for f in firing], "mean m": [f.mean_m for f in firing]},
                     [(f.layer, f.neuron) for f in firing], [f.mean_m for f in firing])
    with c2:
        gloss.plain_markdown(f"**Promote {code_span(label)}** (value vector · its unembedding)")
        neuron_table({"score": [r[2] for r in promoting]}, [(r[0], r[1]) for r in promoting])
    meaning(meanings.VIEWS["token_search"])

if explained is not None:
    explanation_views.search_section(lm, explained, PAGE, neuron_table)

gloss.header("Neuron card")


@url_state.section(PAGE, PARAMS)
def card(dictionary: nd.NeuronDictionary) -> None:
    """One neuron (a fragment: picking another reruns only the card)."""
    c1, c2 = st.columns(2)
    c1.number_input("Layer", 0, lm.config.n_layers - 1, key=k("layer"))
    c2.number_input("Neuron", 0, lm.config.d_ff - 1, key=k("neuron"), help=gloss.help_in("Neuron"))
    layer, neuron = url_state.value(PAGE, "layer"), url_state.value(PAGE, "neuron")
    gloss.markdown(f"**Layer {layer}, neuron {neuron}: its top contexts** (the token where it fires is outlined). "
                   f"Over the corpus its coefficient averages {dictionary.mean[layer, neuron]:+.2f} "
                   f"± {dictionary.std[layer, neuron]:.2f}; it ranges from {dictionary.trough[layer, neuron]:+.2f} "
                   f"to {dictionary.peak[layer, neuron]:+.2f}.")
    kind = anatomy_views.kind_line(MODEL, layer, neuron)
    if kind is not None:
        gloss.markdown(f"**Kind, from its weights** ([the rules]({link('anatomy', MODEL)})): {kind}")
    if explained is not None:
        explanation_views.card(lm, explained, layer, neuron)
    for sign, heading in ((1, "Fires most positively (it adds its value vector)"),
                          (-1, "Fires most negatively (it subtracts its value vector)")):
        firings = dictionary.extremes(layer, neuron, sign)
        if not firings:
            continue
        gloss.markdown(f"*{heading}*")
        for value, position in firings[:6]:
            st.markdown(dictionary_views.context_line(lm, dictionary, value, position), unsafe_allow_html=True)
    meaning(meanings.VIEWS["card"])
    reading = readout.read_value(lm.model, layer, neuron)
    words = lambda pairs: " ".join(code_span(kv.token_text(lm.tokenizer, i)) for i, _ in pairs)  # noqa: E731
    c1, c2 = st.columns(2)
    c1.markdown("**Promotes** (when m > 0) " + words(reading.promoted))
    c2.markdown("**Suppresses** (when m > 0) " + words(reading.suppressed))
    plot(signed_histogram(dictionary.hist[layer, neuron], nd.HIST_EDGES,
                          f"Its coefficient on all {dictionary.n_tokens:,} corpus tokens",
                          "coefficient m (the end bins hold everything beyond ±6)", "tokens", height=300),
         f"Histogram of layer {layer} neuron {neuron}'s coefficient m on all {dictionary.n_tokens:,} corpus tokens; "
         "the two end bins hold every value beyond ±6.")
    if explained is not None:
        explanation_views.across_range(lm, dictionary, explained, layer, neuron)


card(dictionary)
if explained is not None:
    gloss.header("How far to trust the words, layer by layer")
    # the prediction is about the bundled model's explanations over its built-in corpus
    if MODEL != registry.BUNDLED or upload is not None or predict.ask("dict-explained-share"):
        explanation_views.trust_section(lm, explained, PAGE)
url_state.publish(PAGE, PARAMS)
