"""Position-wise independence: the FFN changes only the position you change."""
import streamlit as st

from components.concepts import views as concept_views
from components.shared import glossary as gloss
from components.shared import predict, url_state
from components.shared.params import BoolParam, NumberParam
from components.shared.widgets import page_start, plot

PAGE = "pos"
PARAMS = [NumberParam("seq", 6, lo=2, hi=16), NumberParam("changed", 2, lo=0, hi=15),
          BoolParam("causal", False), NumberParam("draw", 1, lo=0, hi=9999)]
k = page_start(
    PAGE, "Position-wise: what moves when one token changes",
    "Change one token of a sequence and watch which outputs move: the FFN's and attention's, each run on its "
    "own, and the FFN's as it runs in a real model, after attention.",
    weights="random", params=PARAMS,
)


def new_token() -> None:
    url_state.set_values(PAGE, {"draw": (url_state.value(PAGE, "draw") + 1) % 10000})


def changes() -> None:
    """Both views (the FFN alone beside attention alone, then the FFN after causal attention), drawn
    once their prediction is answered (the first sentence is the answer's first half)."""
    gloss.markdown("The FFN is applied to each position separately, with the same weights: `FFN(x₁), FFN(x₂), …`. "
                   "Attention, by contrast, lets every position read the others (in a causal model, the earlier ones).")
    c = st.columns([2, 2, 2, 1])
    c[0].slider("Sequence length", 2, 16, key=k("seq"))
    seq = url_state.value(PAGE, "seq")
    if url_state.value(PAGE, "changed") >= seq:
        url_state.set_values(PAGE, {"changed": seq - 1})
    c[1].slider("Position to change", 0, seq - 1, key=k("changed"))
    c[2].toggle("Causal attention (GPT-style)", key=k("causal"),
                help="With a causal mask a change only reaches later positions.")
    c[3].button("New random token", on_click=new_token, key=k("again"), icon=":material/casino:",
                help=gloss.help_in("New random token"))
    v = url_state.values(PAGE, PARAMS)
    result, figure, after_figure = concept_views.positionwise_view(v["seq"], v["changed"], v["causal"], v["draw"])
    plot(figure, f"Grouped bars over the {v['seq']} positions: how far the FFN's output and attention's output "
         f"moved (‖after − before‖) when the token at position {v['changed']} was replaced"
         f"{' (causal attention)' if v['causal'] else ''}. At every other position the FFN's output is "
         f"{'unchanged (allclose)' if result.ffn_others_equal else 'changed'}; attention's "
         f"{'is unchanged there too' if result.attn_others_equal else 'changed'}.")
    m = st.columns(2)
    m[0].metric("FFN: other positions unchanged?", "yes, allclose" if result.ffn_others_equal else "no",
                help=gloss.help_in("FFN: other positions unchanged?"))
    m[1].metric("Attention: other positions unchanged?", "yes, allclose" if result.attn_others_equal else "no, they moved",
                help=gloss.help_in("Attention: other positions unchanged?"))
    st.code(f"torch.allclose(ffn(x_new)[:, others], ffn(x)[:, others])    # {result.ffn_others_equal}\n"
            f"torch.allclose(attn(x_new)[:, others], attn(x)[:, others])  # {result.attn_others_equal}", language="python")
    gloss.caption("That is why the FFN can run on all positions as one big matrix multiply, and why it is the "
                  "place for per-token processing, while attention is the place where tokens communicate.")

    gloss.header("In a real model the FFN runs after attention")
    changed = v["changed"]
    gloss.markdown(f"The FFN never reads another position, but its input does: in a block it receives x + Attn(x). In a "
                   f"causal (GPT-style) model attention carries position {changed} to every later position and to none "
                   "before it, so a change there can move the FFN's output at that position **and every later one**. "
                   "Measured:")
    plot(after_figure, f"Grouped bars over the same positions: the FFN's output change alone, and the change of "
         f"ffn(x + attn(x)) with causal attention. After attention, "
         + ("there is no position before the changed one" if changed == 0 else
            f"positions 0–{changed - 1} are {'unchanged (allclose)' if result.after_attn_before_equal else 'changed'}")
         + f", and position {changed} and every later one "
         + ("moved." if result.after_attn_later_moved else "did not all move."))
    st.code(f"block = lambda x: ffn(x + attn(x, causal=True))\n"
            f"torch.allclose(block(x_new)[:, :{changed}], block(x)[:, :{changed}])  # {result.after_attn_before_equal}"
            f"{'  (no position before it)' if changed == 0 else ''}\n"
            f"((block(x_new) - block(x))[:, {changed}:].norm(dim=-1) > 0).all()  # {result.after_attn_later_moved}",
            language="python")
    gloss.caption("Random weights, one causal attention layer with its residual connection, then the same FFN as above. "
                  "In a trained model this is why the same word gets different FFN coefficients in different contexts: "
                  "compare them on the key-value page.")
    st.page_link("lessons/kv_memory.py", label="Same word, two contexts (SmolLM2-135M)", icon=":material/compare_arrows:",
                 query_params={"view": "contexts"})


if predict.ask("positionwise-change"):
    changes()
url_state.publish(PAGE, PARAMS)
