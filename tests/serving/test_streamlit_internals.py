"""Each Streamlit internal FFN Lab touches (serving/streamlit_internals.py) still behaves as we rely
on in the installed Streamlit: an upgrade that changes one fails here, not in a class."""
import inspect

import pytest
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.pages_manager import PagesManager

from serving import streamlit_internals


@pytest.fixture
def fresh_pages_flag():
    saved = PagesManager.uses_pages_directory
    PagesManager.uses_pages_directory = None
    yield
    PagesManager.uses_pages_directory = saved


def test_a_pages_folder_would_start_the_legacy_mode_and_ours_is_named_lessons(tmp_path, fresh_pages_flag):
    """Streamlit treats a folder named pages/ beside the entry script as a legacy (v1) multipage app
    until some session has run st.navigation: a fresh server's first visitor, arriving by a deep
    link, would get the bare page without app.py's router and sidebar. Our pages live in lessons/,
    so no page needs a guard (tests/browser/test_first_visitor.py checks it for real)."""
    from testkit import ROOT
    (tmp_path / "app.py").write_text("")
    (tmp_path / "pages").mkdir()
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True  # what a pages/ folder would do
    PagesManager.uses_pages_directory = None
    assert not (ROOT / "pages").exists() and (ROOT / "lessons" / "home.py").is_file()
    PagesManager(str(ROOT / "app.py"))
    assert PagesManager.uses_pages_directory is False


def test_the_closed_session_store_is_found_and_expires_on_demand():
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

    storage = MemorySessionStorage(ttl_seconds=60)
    manager = WebsocketSessionManager(session_storage=storage, uploaded_file_manager=None, script_cache=None,
                                      message_enqueued_callback=None)
    runtime = type("Runtime", (), {"_session_mgr": manager})()
    store = streamlit_internals.closed_session_store(runtime)
    assert store is storage._cache
    assert callable(store.expire)  # what the sweeper calls (serving/process.py)
    from streamlit.runtime import Runtime
    assert "self._session_mgr = " in inspect.getsource(Runtime.__init__)  # where the runtime keeps it
    assert streamlit_internals.closed_session_store() is None  # no server in this process


def test_outside_a_page_script_there_is_no_session_state():
    assert streamlit_internals.session_state_here() is None


def test_outside_a_page_script_no_fragment_runs_and_none_is_retimed():
    assert streamlit_internals.running_fragment() is None
    assert streamlit_internals.rerun_fragment_every("f", 0.5) is False


def test_a_fragment_run_names_its_fragment_and_the_browser_replaces_a_timer_whose_interval_changes():
    """What class mode's retiming relies on (membership.look_closely): st.fragment sets the thread's
    fragment_id around its code, sends AutoRerun {interval, fragment_id} when drawn, and the
    frontend keeps one timer per fragment id, replaced when a message brings another interval."""
    from streamlit.runtime import fragment

    source = inspect.getsource(fragment)
    assert "ThreadState.scoped(\n                fragment_id=fragment_id," in source
    assert "msg.auto_rerun.interval = time_to_seconds(run_every)" in source
    assert "msg.auto_rerun.fragment_id = fragment_id" in source
    from pathlib import Path

    import streamlit
    static = Path(streamlit.__file__).parent / "static" / "static" / "js"
    bundle = next(p.read_text() for p in static.glob("index.*.js") if "handleAutoRerun=" in p.read_text())
    handler = bundle[bundle.index("handleAutoRerun="):][:400]
    assert "autoRerunIntervals.get(t)?.interval===n)return;this.clearAutoRerunInterval(t)" in handler
