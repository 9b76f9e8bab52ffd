"""The key-value page's "two models" view: the same text through a second model the server offers,
beside the page's own model: its tokens, prediction, the layer where the logit lens first shows
that prediction, the neurons that wrote it, and its FFN family and shape.

Each model reads the text with its own tokenizer and predicts the token after the whole text,
so the two columns answer the same question in two vocabularies. The second model comes from the
server's shelf through the façade, as the page's own does; a pair whose float32 weights exceed the
shelf's cap together is not loaded (each would put the other away on every rerun).
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import serving
from components.lm import kv_figures, kv_views
from components.lm.kv_controls import token_for
from components.lm.model_resource import load_with_progress
from components.shared import glossary as gloss
from components.shared import url_state
from components.shared.params import ChoiceParam
from components.shared.tables import table
from components.shared.token_html import code_span, coloured_tokens
from components.shared.widgets import plot
from model.architectures import accounting
from model.architectures.config import ModelConfig
from model.architectures.families import ffn_label
from model.ffn.activations import get as get_activation
from model.lm import gguf_loader, registry
from model.lm import kv_memory as kv
from model.lm.gguf_loader import LoadedModel, ModelUnavailable
from model.util.settings import SettingError

TOP_TOKENS = 5  # predictions shown per model
TOP_WRITERS = 8  # neurons listed per model


def others(model_key: str) -> list[registry.ModelEntry]:
    """The models the server offers besides `model_key`, in the picker's order."""
    return [m for m in serving.offered()[0] if m.key != model_key]


def param(model_key: str) -> ChoiceParam:
    """`?compare=`: the second model's key, by default the first other model on offer (Gemma 3 270M
    beside the bundled SmolLM2, SmolLM2 beside Gemma 3)."""
    keys = [m.key for m in serving.offered()[0]]
    default = next((k for k in keys if k != model_key), model_key)
    return ChoiceParam("compare", default, options=keys)


@st.cache_resource(show_spinner=False)
def weights_mb(model_key: str) -> float:
    """A model's float32 weights in MB, read from its file's header (no weight loaded), as the
    shelf's cap counts them. Raises ModelUnavailable when the file cannot be found."""
    entry = registry.find(model_key, serving.offered()[0])
    if entry is None:
        raise ModelUnavailable(f"This server offers no model {model_key!r}.")
    return gguf_loader.float32_mb(entry.file() or gguf_loader.find_gguf())


def room_for(first_mb: float, second_mb: float) -> tuple[bool, int]:
    """Whether both models fit the server's shelf together, and its cap in MB."""
    cap = serving.shelf().cap_mb
    return first_mb + second_mb <= cap, cap


@dataclass(frozen=True)
class Side:
    """One model's reading of the text, after its last token."""

    name: str
    cfg: ModelConfig
    pieces: list[str]
    bos: bool  # its tokenizer puts a BOS token before the text
    preds: list[tuple[int, float]]
    labels: list[str]
    predictions_figure: object
    lens: object  # logit_lens.Lens for the top prediction
    writers: kv_views.Attribution  # by direct effect on the centred logit (the first TOP_WRITERS are shown)


def side(model_key: str, text: str) -> Side:
    """The text through one model, from the page's own cached views (each keyed by the model)."""
    lm, a = serving.load_model(model_key), kv_views.analysis(model_key, text)
    cfg, tok = lm.config, lm.tokenizer
    last = len(a.enc.ids) - 1
    preds, labels, _ = kv_views.predictions(model_key, text, last)
    preds, labels = preds[:TOP_TOKENS], labels[:TOP_TOKENS]
    figure = kv_figures.predictions_bar(labels, [p for _, p in preds], f"{cfg.name}: top {TOP_TOKENS} next tokens")
    lens, _ = kv_views.lens_view(model_key, text, last, preds[0][0])
    bos = len(tok.encode(text).ids) > len(tok.encode(text, add_special_tokens=False).ids)
    return Side(cfg.name, cfg, a.enc.pieces, bos, preds, labels, figure, lens,
                kv_views.attribution(model_key, text, last, preds[0][0]))


@st.cache_resource(max_entries=32, ttl=kv_views.TTL, show_spinner=False)
def other_reading(model_key: str, text: str, token_text: str) -> tuple[float, int] | None:
    """The probability and rank (0 = top) this model gives `token_text` after the whole text, or None
    if its vocabulary has no such single token."""
    lm, a = serving.load_model(model_key), kv_views.analysis(model_key, text)
    token, problem = token_for(lm.tokenizer, token_text)
    if token is None or problem:
        return None
    probs = kv.next_token_probs(lm.model, a.trace, len(a.enc.ids) - 1)
    return float(probs[token]), int((probs > probs[token]).sum())


def appears(lens) -> tuple[str, float] | None:
    """The stage after which the lens's final top guess becomes the top guess and stays there, and
    how far through the model's depth that is (0 = the embedding, 1 = the last FFN)."""
    if int(lens.rank[-1]) != 0:
        return None
    stays = next(i for i in range(len(lens.top)) if all(t == lens.top[-1] for t in lens.top[i:]))
    return lens.stages[stays], stays / (len(lens.stages) - 1)


def shape_rows(cfgs: list[ModelConfig]) -> dict[str, list]:
    """The FFN family and shape of each model, one column per model, the counts exact
    (model/architectures/accounting.py, checked against the loaded modules' numel)."""
    budgets = [accounting.budget(c) for c in cfgs]
    return {
        "FFN": [ffn_label(c) for c in cfgs],
        "activation": [get_activation(c.activation).label for c in cfgs],
        "gated": ["yes: act(gate·x) ⊙ (up·x)" if c.ffn_kind == "gated" else "no: act(W₁x + b₁)" for c in cfgs],
        "d_model": [c.d_model for c in cfgs],
        "d_ff (neurons per layer)": [c.d_ff for c in cfgs],
        "d_ff / d_model": [f"{c.d_ff / c.d_model:.2f}" for c in cfgs],
        "layers": [c.n_layers for c in cfgs],
        "FFN neurons in all": [c.n_layers * c.d_ff for c in cfgs],
        "vocabulary": [c.vocab_size for c in cfgs],
        "parameters": [b.total for b in budgets],
        "FFN share of the parameters": [f"{b.ffn_share:.1%}" for b in budgets],
        "embedding share of the parameters": [f"{(b.by_group['embeddings'] + b.by_group['head']) / b.total:.1%}"
                                              for b in budgets],
    }


def lens_pair_figure(sides: list[Side]):
    """Both models' logit lens for their own top prediction on one depth axis."""
    return kv_figures.lens_pair([(s.name, s.labels[0], s.lens) for s in sides])


def _lens_sentence(s: Side) -> str:
    token, where = s.labels[0], appears(s.lens)
    if where is None:
        return f"**{s.name}**: {token!r} is not its top guess at the end."
    stage, depth = where
    when = (f"only after its last FFN (**{stage}**)" if depth == 1 else
            f"after **{stage}** and stays there, {depth:.0%} of the way through its {s.cfg.n_layers} layers")
    return (f"**{s.name}**: {token!r} becomes the top guess {when}. Of its centred logit the FFNs wrote "
            f"{float(s.lens.ffn.sum()):+.1f}, attention {float(s.lens.attention.sum()):+.1f} and the embedding "
            f"{s.lens.embedding:+.1f}.")


def _agreement(first: Side, second: Side, keys: tuple[str, str], text: str) -> str:
    """Whether the two top predictions agree, and what each model gives the other's token."""
    if first.labels[0] == second.labels[0]:
        return f"Both models predict {first.labels[0]!r}."
    parts = []
    for s, other_key, other in ((first, keys[1], second), (second, keys[0], first)):
        seen = other_reading(other_key, text, s.labels[0])
        parts.append(f"{other.name} gives {s.name}'s {s.labels[0]!r} " + (
            "no single token of its vocabulary" if seen is None else f"{seen[0]:.1%} (rank {seen[1] + 1:,})"))
    return "They disagree: " + "; ".join(parts) + "."


def view(page: str, model_key: str, lm: LoadedModel, text: str, heading) -> None:
    """The "two models" view of the key-value page (its `compare` parameter picks the second model)."""
    heading("Two models on the same text")
    choices = others(model_key)
    if not choices:
        st.info("This server offers one model. Install Gemma 3 270M (`./run.sh app` does) or list a GGUF file in "
                "`FFNLAB_MODELS` to read the text through a second model beside it.")
        return
    labels = {m.key: m.label for m in choices}
    key = url_state.key(page, "compare")
    if st.session_state.get(key) not in labels:  # it names this page's own model, just picked in the sidebar
        st.session_state[key] = choices[0].key
    st.selectbox("Second model", list(labels), format_func=labels.get, key=key,
                 help="Another model this server offers, read on the same text beside the model picked in the sidebar.")
    second = st.session_state[key]
    try:
        second_mb = weights_mb(second)
    except (ModelUnavailable, ValueError, OSError) as err:
        st.warning(f"{labels[second]} cannot be read: {err}")
        return
    fits, cap = room_for(lm.megabytes, second_mb)
    if not fits:
        gloss.plain_markdown(
            f"This server keeps at most {cap:,} megabytes of model weights in memory at once (`FFNLAB_MAX_MODEL_MB`): "
            f"{lm.config.name} ({lm.megabytes:,.0f} megabytes as float32) and {labels[second]} ({second_mb:,.0f} megabytes) need "
            f"{lm.megabytes + second_mb:,.0f} megabytes together, so they are not compared here. Pick the second one in "
            "the sidebar's model picker to see it on its own.")
        return
    try:
        load_with_progress(second)
    except (ModelUnavailable, SettingError) as err:
        st.warning(f"{labels[second]} is unavailable, so there is nothing to compare. {err}")
        return
    sides = [side(model_key, text), side(second, text)]
    names = [s.name if i == 0 or s.name != sides[0].name else f"{s.name} (second)" for i, s in enumerate(sides)]
    gloss.plain_caption(f"Each model reads your text with its own tokenizer and predicts the token after all of it "
                        f"(the position slider above moves the first model's views only). {sides[1].name}'s weights "
                        f"take {second_mb:,.0f} megabytes as float32, loaded once for every visitor; this server keeps "
                        f"models while their weights fit {cap:,} megabytes together.")

    heading("FFN family and shape")
    rows = shape_rows([s.cfg for s in sides])
    table({"": list(rows), **{name: [values[i] for values in rows.values()] for i, name in enumerate(names)}})

    heading("Tokens and prediction")
    columns = st.columns(2)
    for i, (s, column) in enumerate(zip(sides, columns)):
        with column:
            gloss.plain_markdown(f"**{s.name}**: {len(s.pieces)} tokens" + (", the first its BOS token" if s.bos else ""))
            st.markdown(coloured_tokens(s.pieces, highlight=len(s.pieces) - 1), unsafe_allow_html=True)
            plot(s.predictions_figure, f"Bars: {s.name}'s probability for its top {len(s.labels)} next tokens after "
                                       f"the whole text; the first, {s.labels[0]!r}, has {s.preds[0][1]:.1%}.",
                 key=f"compare-predictions-{i}")
    gloss.plain_markdown(_agreement(sides[0], sides[1], (model_key, second), text))

    heading("Layer by layer: where each prediction forms")
    for s in sides:
        gloss.plain_markdown(_lens_sentence(s))
    plot(lens_pair_figure(sides), "Lines, one per model: the probability of its own top prediction if it stopped after "
                                  "each sub-layer (the logit lens, log scale), against the share of its depth, so "
                                  f"{sides[0].cfg.n_layers} and {sides[1].cfg.n_layers} layers meet on one axis.")

    heading("Which neurons wrote each prediction")
    columns = st.columns(2)
    for s, column in zip(sides, columns):
        w = s.writers
        rows = w.rows[:TOP_WRITERS]
        gloss.plain_markdown(f"**{s.name}** → {code_span(s.labels[0])}: its top {len(rows)} of "
                             f"{s.cfg.n_layers * s.cfg.d_ff:,} neurons by direct effect on the centred logit", to=column)
        with column:
            table({"neuron": [f"L{lay} n{neu}" for lay, neu, _, _ in rows],
                   "effect": [v for _, _, v, _ in rows], "m": [m for *_, m in rows],
                   "promotes": [" ".join(repr(t) for t in p[:3]) for p in w.promoted[:TOP_WRITERS]]})
    gloss.plain_caption("Effect: the neuron's direct part mᵢ·(vᵢ·u) of the predicted token's centred logit; m: its "
                        "coefficient on the last token; promotes: the top tokens it writes here (its value vector read through "
                        "the unembedding, with the sign of m).")
