"""Home: what the FFN is, where it sits, and a way into every page."""
import streamlit as st

from components.shared import glossary as gloss
from components.shared.registry import PAGES
from model.architectures.prose_facts import fill

gloss.title("FFN Lab")
gloss.markdown(fill(
    """
Every Transformer block has two halves. **Attention** lets each token look at the others and mix
in what it finds. The **feed-forward network (FFN)** then processes every token *on its own*:

$$\\mathrm{{FFN}}(x) = W_2\\,\\phi(W_1 x + b_1) + b_2$$

It widens the token's vector from `d_model` to `d_ff`, applies a non-linearity φ, and projects back.
GPT-2 and BERT use d_ff = 4 · d_model. LLaMA's gated FFN (SwiGLU) has three matrices instead of two and
uses about 8/3 · d_model to keep a 4× dense FFN's parameter count. It is a choice, not a rule: the gated
models on the budget page use {gated_ratios}. In a block it sits after attention (the original Transformer's order; GPT-2 and LLaMA
put the norm before each sub-layer instead):

`x → attention → add & norm → FFN → add & norm`

Some models run the two halves side by side instead: GPT-J and PaLM compute attention and the FFN in parallel
from the same normalised input and add both outputs to the residual stream (a parallel block), which is faster
to run at large scale (about 15% faster training in PaLM's case).

Small as it looks, at 4× the FFN holds **two thirds** of each block's weights, and across the models on
the budget page it holds {ffn_share_low} to {ffn_share_high} of all parameters. For given attention
weights, each attention head's output is a convex mix of its value vectors; the FFN supplies the
per-token, element-wise non-linearity. Geva et al. (2021, EMNLP) showed that it can also be read as a key–value
memory: each neuron's key detects patterns in the input, and its value, read through the output
embedding, favours the tokens that tend to follow them, mainly in the upper layers.
"""
))
st.header("Explore")
for info in PAGES:
    if info.url_path == "home":
        continue
    with st.container(border=True):
        st.page_link(info.path, label=info.title, icon=info.icon, help=gloss.help_in(info.title))
        gloss.caption(fill(info.blurb))
