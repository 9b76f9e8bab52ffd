"""Make every page run inside app.py's router, even for a server's first visitor.

Streamlit treats a folder named pages/ beside the entry script as a legacy
multipage app until some session has executed `st.navigation`. Whoever opens a
shared deep link (/budget?preset=...) on a freshly started server would get the
bare page, without app.py's layout and navigation. Every page calls `ensure()`
first: in that legacy mode it switches Streamlit to `st.navigation` mode and
reruns, so app.py runs and routes the same URL.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
