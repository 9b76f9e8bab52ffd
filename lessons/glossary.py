"""Glossary: every term the pages use, one anchor each, and the notation card."""
import streamlit as st

from components.shared import glossary as gloss
from components.shared.tables import table
from content import glossary

st.title("Glossary")
st.markdown(
    "Every term and symbol the pages use, in plain words. On the other pages a dotted underline marks a "
    "term where the page first uses it: hover over it, or reach it with Tab, to read its definition here. "
    "Each entry has its own link (`/glossary#name`)."
)

st.header("Notation card", anchor="notation-card")
st.markdown("The same FFN under the names the literature gives it, for a dense FFN (GPT-2) and a gated one "
            "(LLaMA, SmolLM2), and in the key-value reading of Geva et al. (2021, EMNLP; 2022, EMNLP).")
table({col: [row[i] for row in glossary.NOTATION] for i, col in enumerate(glossary.NOTATION_COLUMNS)})
st.markdown("**FFN keys and values are not attention's.** Both are called keys and values, but:")
table({col or "what": [row[i] for row in glossary.KEYS_VALUES] for i, col in enumerate(glossary.KEYS_VALUES_COLUMNS)})

for section, terms in glossary.sections().items():
    st.header(section, anchor=section.lower().replace(" ", "-").replace(",", ""))
    for term in terms:
        # an empty anchor element first: every term is linkable as /glossary#<anchor>
        st.markdown(f'<span id="{term.anchor}"></span>\n\n' + gloss.entry(term), unsafe_allow_html=True)
