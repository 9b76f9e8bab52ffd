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


def test_a_pages_folder_beside_the_entry_script_starts_the_legacy_mode(tmp_path, fresh_pages_flag):
    (tmp_path / "app.py").write_text("")
    (tmp_path / "pages").mkdir()
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True  # what our first visitor meets
    assert streamlit_internals.leave_pages_directory_mode() is True
    assert PagesManager.uses_pages_directory is False
    assert streamlit_internals.leave_pages_directory_mode() is False  # once is enough
    PagesManager(str(tmp_path / "app.py"))  # later sessions keep the class-wide choice
    assert PagesManager.uses_pages_directory is False


def test_without_a_pages_folder_there_is_no_legacy_mode(tmp_path, fresh_pages_flag):
    (tmp_path / "app.py").write_text("")
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is False
    assert streamlit_internals.leave_pages_directory_mode() is False


def test_the_script_runner_and_navigation_read_the_flag():
    """The flag decides between running the page alone and running the entry script, and
    st.navigation clears it: what route_through_app relies on."""
    from streamlit.commands import navigation
    from streamlit.runtime.scriptrunner import script_runner

    assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner.ScriptRunner)
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation)


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
