"""Inside one block: x → attention → add & norm → FFN → add & norm, with shapes and code."""
import streamlit as st

from components.architectures import views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import BoolParam, ChoiceParam, NumberParam
from components.shared.tables import shape_table
from components.shared.widgets import page_start
from model.architectures.config import ModelConfig
from model.ffn.activations import ACTIVATIONS
from model.ffn.code import ffn_code

PAGE = "block"
PARAMS = [ChoiceParam("norm_position", "pre", options=["pre", "post"]), NumberParam("d_model", 64, lo=8, hi=1024),
          NumberParam("d_ff", 256, lo=8, hi=4096), NumberParam("n_heads", 4, lo=1, hi=16),
          ChoiceParam("ffn", "dense", options=["dense", "gated"]),
          ChoiceParam("activation", "gelu", options=list(ACTIVATIONS)), BoolParam("bias", True),
          NumberParam("batch", 2, lo=1, hi=8), NumberParam("seq", 8, lo=1, hi=64)]
k = page_start(
    PAGE, "Inside one block",
    "Where the FFN sits: after attention, with a residual connection around each, and a norm either "
    "before each sub-layer (pre-norm: GPT-2, LLaMA) or after each addition (post-norm: the original "
    "Transformer, BERT). The shapes below come from running a real block on a random input.",
    weights="random", params=PARAMS,
)


def block() -> None:
    """The controls, the shape walk and the FFN's code, drawn once the shape question is answered."""
    c = st.columns(5)
    c[0].segmented_control("Norm placement", ["pre", "post"], key=k("norm_position"), required=True,
                           help=gloss.help_in("Norm placement"))
    c[1].slider("d_model", 8, 1024, step=8, key=k("d_model"), help=gloss.help_in("d_model"))
    c[2].slider("d_ff", 8, 4096, step=8, key=k("d_ff"), help=gloss.help_in("d_ff"))
    c[3].slider("Heads", 1, 16, key=k("n_heads"), help=gloss.help_in("Heads"))
    c[4].selectbox("FFN", ["dense", "gated"], key=k("ffn"), help=gloss.help_in("FFN"))
    c = st.columns(4)
    c[0].selectbox("Activation", list(ACTIVATIONS), format_func=lambda a: ACTIVATIONS[a].label, key=k("activation"),
                   help=gloss.help_in("Activation"))
    c[1].toggle("Biases", key=k("bias"), help=gloss.help_in("Biases"))
    c[2].slider("Batch", 1, 8, key=k("batch"))
    c[3].slider("Sequence length", 1, 64, key=k("seq"))
    v = url_state.values(PAGE, PARAMS)
    cfg = ModelConfig(d_model=v["d_model"], n_heads=v["n_heads"], d_ff=v["d_ff"], ffn_kind=v["ffn"],
                      activation=v["activation"], attn_bias=v["bias"], ffn_bias=v["bias"], norm_position=v["norm_position"])
    if cfg.problems():
        st.error("This block cannot be built: " + "; ".join(cfg.problems()) + ".")
    else:
        pre = v["norm_position"] == "pre"
        flow = ("x → **norm → attention** → (+ x) → h → **norm → FFN** → (+ h) → out" if pre else
                "x → **attention** → (+ x) → **norm** → h → **FFN** → (+ h) → **norm** → out")
        gloss.markdown(f"**{'Pre' if pre else 'Post'}-norm block:** {flow}")
        walk = views.block_shape_walk(cfg, v["batch"], v["seq"])
        shape_table(walk)
        gloss.markdown("**The FFN as configured, in PyTorch** (copy it with the icon in the corner)")
        st.code(ffn_code(v["ffn"], v["d_model"], v["d_ff"], v["activation"], v["bias"]), language="python")


if predict.ask("block-first-linear"):
    block()
url_state.publish(PAGE, PARAMS)
