"""FFN Lab: entry point and router. Run with `streamlit run app.py`."""
import streamlit as st

import serving
from components.classroom import membership
from components.shared import glossary, predict, presentation
from components.shared.registry import PAGES

# a few scripts at a time, the others wait their turn blocked (serving.page_run)
with serving.page_run():
    presenting = presentation.init()
    predict.reveal_all()  # ?reveal=all, read once per session
    st.set_page_config(page_title="FFN Lab", page_icon=":material/hub:", layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")

    sections: dict[str, list] = {}
    for info in PAGES:
        page = st.Page(info.path, title=info.title, icon=info.icon, url_path=info.url_path,
                       default=info.url_path == "home")
        sections.setdefault(info.section, []).append(page)

    current = st.navigation(sections, expanded=True)  # every page listed, no 'View more' to find
    with st.sidebar:
        presentation.controls()
        st.caption("FFN Lab — an interactive explainer of the feed-forward half of every Transformer block. "
                   "Every control is saved in the page URL: copy it to share the exact view.")
    presentation.apply()
    membership.start(current.url_path)  # ?class=<code> joins on any page; a student's page follows the teacher
    glossary.start_page()  # hover help marks each term's first use on this page
    current.run()
    glossary.terms_panel()  # the terms the page marked, after its content
    presentation.publish()
    predict.publish()
