"""Mirror a page's controls in the URL so a teacher can share the exact view.

Each control is a widget whose session-state key is `<page>.<param name>`.
`restore` runs before the widgets: on the first run of a visit it seeds every
key from the URL (clamping or ignoring bad values, with a notice). `publish`
runs after them and writes the current values back with readable names.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import streamlit as st

import serving
from components.shared.params import Param


def key(page: str, param: Param | str) -> str:
    return f"{page}.{param if isinstance(param, str) else param.name}"


def restore(page: str, params: Sequence[Param], defaults: dict[str, Any] | None = None) -> None:
    """Seed missing control values from the URL; show a notice for each bad parameter."""
    # the specs stay in session state so tests can check every published value against them
    specs_key = key(page, "_specs")
    st.session_state[specs_key] = {**st.session_state.get(specs_key, {}), **{p.name: p for p in params}}
    # kept per parameter for the session, so they stay on later reruns; a page that restores
    # its parameters in two calls shows each notice once, from the call that owns it
    notices = st.session_state.setdefault(key(page, "_notices"), {})
    for p in params:
        k = key(page, p)
        if k in st.session_state:
            continue
        if defaults and p.name in defaults and p.name not in st.query_params:
            st.session_state[k] = defaults[p.name]
            continue
        value, notice = p.parse(st.query_params.get(p.name))
        st.session_state[k] = value
        if notice:
            notices[p.name] = notice
    for p in params:
        if p.name in notices:
            st.warning("Link parameter fixed: " + notices[p.name], icon=":material/link_off:")


def clamp(page: str, params: Sequence[Param]) -> None:
    """Fit controls that already have a value into `params`' ranges, which can shrink during a
    session (another model picked has fewer layers): out of range is clamped, an unknown choice
    falls back to the default."""
    for p in params:
        k = key(page, p)
        if k in st.session_state:
            st.session_state[k] = p.parse(p.serialize(st.session_state[k]))[0]


def value(page: str, name: str) -> Any:
    return st.session_state[key(page, name)]


def values(page: str, params: Sequence[Param]) -> dict[str, Any]:
    return {p.name: st.session_state[key(page, p)] for p in params}


def set_values(page: str, new: dict[str, Any]) -> None:
    """For callbacks (presets, ratio buttons): set several controls at once."""
    for name, v in new.items():
        st.session_state[key(page, name)] = v


def section(page: str, params: Sequence[Param]) -> Callable[[Callable], Callable]:
    """Decorator for a part of a page whose controls change only that part: it runs as a fragment
    (serving.fragment), so moving one of its controls reruns the part alone (not the model's
    analysis or the figures above it), and it publishes the URL itself, since the page's own
    `publish` at the end does not run on such a rerun."""
    def wrap(fn: Callable) -> Callable:
        @serving.fragment
        @functools.wraps(fn)
        def part(*args, **kwargs):
            fn(*args, **kwargs)
            publish(page, params)
        return part
    return wrap


def publish(page: str, params: Sequence[Param]) -> None:
    """Write every control's current value into the URL (only those that changed)."""
    for p in params:
        text = p.serialize(st.session_state[key(page, p)])
        if st.query_params.get(p.name) != text:
            st.query_params[p.name] = text
