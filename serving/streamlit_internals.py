"""Every Streamlit internal FFN Lab touches, each in one function, for the pinned Streamlit 1.67.

None of these is public API: an upgrade may rename or drop any of them. Each is pinned against
the installed Streamlit by tests/serving/test_streamlit_internals.py, so an upgrade that changes
one fails a test, not a class.
"""
from __future__ import annotations

from collections.abc import MutableMapping


def closed_session_store(runtime=None) -> MutableMapping | None:
    """Streamlit's store of closed tabs' sessions (a TTLCache with `expire()`), or None outside a
    server: `Runtime._session_mgr._session_storage._cache` (`runtime` defaults to the running one)."""
    if runtime is None:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return None
        runtime = Runtime.instance()
    storage = getattr(runtime._session_mgr, "_session_storage", None)
    return getattr(storage, "_cache", None)


def session_state_here() -> MutableMapping | None:
    """The running session's state, or None when no page script runs in this thread (a test, a
    background thread): `get_script_run_ctx`, which st.session_state reads but does not expose."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return st.session_state if get_script_run_ctx(suppress_warning=True) is not None else None


def running_fragment() -> str | None:
    """The id of the fragment whose code this thread runs, or None (the page's own code, or no page
    script here): `ThreadState.get().fragment_id`, which st.fragment sets around each run of its code."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        return ThreadState.get().fragment_id
    except RuntimeError:  # no run has set it up in this thread
        return None


def rerun_fragment_every(fragment_id: str, seconds: float) -> bool:
    """Have the browser rerun the fragment `fragment_id` every `seconds` from now on: the AutoRerun
    message that st.fragment(run_every=...) sends when it draws the fragment. The browser keeps one
    timer per fragment and replaces it when an interval differs (the frontend's handleAutoRerun).
    False outside a page script."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return False
    msg = ForwardMsg()
    msg.auto_rerun.interval = seconds
    msg.auto_rerun.fragment_id = fragment_id
    ctx.enqueue(msg)
    return True
