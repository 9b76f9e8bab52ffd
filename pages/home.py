"""Home: what the FFN is, where it sits, and a way into every page."""
import streamlit as st

from components.shared import server_tuning
from components.shared.registry import PAGES

server_tuning.route_through_app()

st.title("FFN Lab")
st.markdown(
    """
Every Transformer block has two halves. **Attention** lets each token look at the others and mix
in what it finds. The **feed-forward network (FFN)** then processes every token *on its own*:

$$\\mathrm{FFN}(x) = W_2\\,\\phi(W_1 x + b_1) + b_2$$

It widens the token's vector from `d_model` to `d_ff` (usually 4×, or 8/3× for gated FFNs such as
SwiGLU), applies a non-linearity φ, and projects back. In a block it sits after attention:

`x → attention → add & norm → FFN → add & norm`

Small as it looks, the FFN holds about **two thirds** of a model's non-embedding parameters, supplies
the non-linearity that attention's weighted sums lack, and, read as a key–value memory, stores much of
what a language model knows.
"""
)
st.subheader("Explore")
for info in PAGES:
    if info.url_path == "home":
        continue
    with st.container(border=True):
        st.page_link(info.path, label=info.title, icon=info.icon)
        st.caption(info.blurb)
