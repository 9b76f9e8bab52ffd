"""Concept neurons: search all FFN neurons for ones that write a set of words, with a gallery."""

import streamlit as st

from components.lm import concept_views, dictionary_views, explanation_views
from components.lm.model_resource import link, require_model
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import ChoiceParam, NumberParam, TextParam
from components.shared.tables import table
from components.shared.token_html import code_span
from components.shared.widgets import page_start
from content.gallery import GALLERY, story
from content.gallery import MODEL as GALLERY_MODEL
from model.lm import concepts
from model.lm import kv_memory as kv
from model.lm import registry

PAGE = "concepts"
CUSTOM = "your own list"
PARAMS = [ChoiceParam("concept", "months", options=[*concepts.CONCEPTS, CUSTOM]),
          TextParam("words", "red, green, blue, yellow, black, white", max_chars=600),
          NumberParam("hit", 0, lo=0, hi=11)]
k = page_start(
    PAGE, "Concept neurons",
    "Geva et al. (2022, EMNLP) found, reading GPT-2, that an FFN neuron's value vector often promotes a recognisable *concept* in the "
    "vocabulary: months, numbers, pronouns. Pick a set of words, and every FFN neuron of the model is "
    "scored by how much more its value vector promotes the set than an average token (a z-score over the whole "
    "vocabulary). Then switch a neuron off and watch a prediction change.",
    weights="trained",
)
MODEL, lm, _ = require_model(PAGE, PARAMS)
dictionary = dictionary_views.builtin_dictionary(lm)


def tokens_line(ids: list[int]) -> str:
    return " ".join(code_span(kv.token_text(lm.tokenizer, i)) for i in ids)


def contexts(layer: int, neuron: int, sign: int, n: int = 3) -> None:
    """Its strongest firings of that sign in the built-in corpus, each as a line of tokens."""
    if dictionary is None:
        return
    for value, position in dictionary.extremes(layer, neuron, sign)[:n]:
        st.markdown(dictionary_views.context_line(lm, dictionary, value, position), unsafe_allow_html=True)


def kv_link(text: str, layer: int, neuron: int) -> str:
    """The key-value page with this neuron switched off on `text`."""
    return link("kv_memory", MODEL, text=text, view="intervene", off=f"L{layer}n{neuron}")


def gallery() -> None:
    """The bundled model's gallery: concept neurons found with the search, each with its evidence."""
    if MODEL == registry.BUNDLED and lm.source.stem == GALLERY_MODEL:
        gloss.header("Gallery: concept neurons of SmolLM2-135M")
        gloss.caption("Found with the search below. Every number here, and every word that describes one (which way a "
                      "neuron fires, how sure the model becomes), is computed now, on this model.")
        for entry in GALLERY:
            hit, (p0, p1, m) = concept_views.gallery_evidence(entry)
            with st.container(border=True):
                gloss.markdown(f"**{entry.title}** · layer {entry.layer}, neuron {entry.neuron} · "
                               f"[open its card](neurons?layer={entry.layer}&neuron={entry.neuron})")
                if hit is not None:
                    gloss.plain_markdown(story(entry, [kv.token_text(lm.tokenizer, i) for i in hit.promoted], hit.in_top,
                                               hit.set_size, hit.z, m, p0, p1))
                    sign = "negative" if hit.z < 0 else "positive"
                    gloss.plain_markdown(f"Writes, when its coefficient is {sign}: {tokens_line(hit.promoted[:8])} · "
                                         f"{hit.in_top} of the {hit.set_size} {entry.concept} are in the top 1% of what it "
                                         f"writes (z = {hit.z:+.1f})")
                else:
                    gloss.markdown(f"On this model it is no longer among the concept search's top 30 for {entry.concept}.")
                c1, c2 = st.columns([3, 2])
                gloss.plain_markdown(f"After {code_span(entry.sentence)} it fires with m = {m:+.2f}. Switched off, "
                                     f"p({code_span(entry.token)}) goes from **{p0:.1%}** to **{p1:.1%}**.", to=c1)
                c2.page_link("lessons/kv_memory.py", label="Switch it off on the key-value page", icon=":material/science:",
                             query_params={"text": entry.sentence, "view": "intervene",
                                           "off": f"L{entry.layer}n{entry.neuron}"},
                             help=gloss.help_in("Switch it off on the key-value page"))
                gloss.caption("Where it fires hardest that way in the corpus: its key, the input side, which need not "
                              "look like what it writes.")
                contexts(entry.layer, entry.neuron, -1 if hit is not None and hit.z < 0 else 1, n=2)


def search_section() -> None:
    """The search: the neurons that write a concept's words, and where one fires hardest."""
    gloss.header("Search")
    st.pills("Concept", [*concepts.CONCEPTS, CUSTOM], key=k("concept"), required=True)
    choice = url_state.value(PAGE, "concept")
    if choice == CUSTOM:
        st.text_input("Your words, separated by commas (each is read with a leading space, as in running text)",
                      key=k("words"), max_chars=600)
        words = tuple(concepts.parse_words(url_state.value(PAGE, "words")))
    else:
        words = concepts.CONCEPTS[choice]
    if not words:
        st.info("Type a few words, separated by commas.")
        return
    hits, kept, dropped = concept_views.search(MODEL, tuple(words))
    your_text = st.session_state.get("kv.text") or "The capital of France is"
    if dropped:
        st.caption("Left out, because the tokenizer splits them into several tokens: "
                   + ", ".join(code_span(w) for w in dropped))
    if not hits:
        st.warning("None of these words is a single token; try common words.")
        return
    st.markdown(f"The neurons whose value vectors promote {len(kept)} words — {', '.join(kept[:12])}"
                f"{'…' if len(kept) > 12 else ''} — most strongly against the rest of the vocabulary:")
    table({"neuron": [f"L{h.layer} n{h.neuron}" for h in hits], "z": [f"{h.z:+.1f}" for h in hits],
           "when m is": ["negative" if h.z < 0 else "positive" for h in hits],
           "set in its top 1%": [f"{h.in_top} of {h.set_size}" for h in hits],
           "writes": [" ".join(repr(kv.token_text(lm.tokenizer, i)) for i in h.promoted[:6]) for h in hits],
           **explanation_views.lines(lm, explanation_views.explanations(lm, dictionary),
                                     [(h.layer, h.neuron, h.z) for h in hits]),
           "card": [link("neurons", MODEL, layer=h.layer, neuron=h.neuron) for h in hits],
           "switch off": [kv_link(your_text, h.layer, h.neuron) for h in hits]},
          links={"card": "open card", "switch off": "on your text"})
    st.caption(f"“On your text” opens the key-value page with the neuron switched off on {code_span(your_text)} "
               "(the text last analysed there, or an example).")
    st.selectbox("Contexts of", range(len(hits)), key=k("hit"),
                 format_func=lambda i: f"L{hits[i].layer} n{hits[i].neuron} (z = {hits[i].z:+.1f})")
    chosen = hits[min(url_state.value(PAGE, "hit"), len(hits) - 1)]
    gloss.markdown(f"**L{chosen.layer} n{chosen.neuron}: where it fires hardest "
                   f"{'negatively' if chosen.z < 0 else 'positively'} (the way it writes the set) in the corpus**")
    contexts(chosen.layer, chosen.neuron, -1 if chosen.z < 0 else 1, n=5)
    gloss.caption("A z of 5 means the set's words score, on average, 5 standard deviations above the vocabulary's mean in what the neuron "
                  "writes. Most neurons are broad: they promote a theme, and a set is a good fit when most of its words "
                  "sit in the neuron's top 1%.")


# the question is about the bundled model's neurons: asked before the gallery and the search show them
if MODEL != registry.BUNDLED or predict.ask("concepts-months-depth"):
    gallery()
    search_section()
url_state.publish(PAGE, PARAMS)
