"""Run one page of the real app (through app.py's router) in Streamlit's AppTest."""
from __future__ import annotations

from functools import lru_cache
from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest

from testkit import ROOT


@lru_cache(maxsize=1)
def installed_components():
    """Streamlit's registry of installed custom components, discovered once per process as a server
    discovers them once at its start. A new AppTest scans every installed package's metadata for
    them on its first run (about 0.3 s: most of a light page's run, and of the hostile-URL tests'
    hundreds of runs); AppTest keeps the registry it made for its later runs in
    `_bidi_component_manager`, which tests/test_testkit.py pins against the installed Streamlit."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    return components


def new_app(timeout: float = 60) -> AppTest:
    """An AppTest of app.py (the router) sharing the process's component registry."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at._bidi_component_manager = installed_components()
    return at


def run_page(page: str, timeout: float = 60, **query: str) -> AppTest:
    at = new_app(timeout)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(f"lessons/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_figures(at: AppTest) -> list[dict]:
    import json
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


class TableReader(HTMLParser):
    """Collects the header and the cell texts (and link targets) of one <table>."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.hrefs: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self.hrefs.append(dict(attrs)["href"])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None


def tables(at: AppTest) -> list[dict]:
    """Every components.shared.tables table on the page: {column: [cell text, ...]}, plus the
    links' targets under the key 'hrefs'."""
    found = []
    for m in at.markdown:
        if "<table" in m.value:
            reader = TableReader()
            reader.feed(m.value)
            header, *rows = reader.rows
            columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
            found.append({**columns, "hrefs": reader.hrefs})
    return found


def answer(at: AppTest, pid: str, given, timeout: float = 300) -> AppTest:
    """Answer prediction `pid` (components/shared/predict.py) as a learner does: set its widget, then
    press its form's "Lock in my prediction"; the page reruns."""
    from content.predictions import PREDICTIONS

    key = f"predict.{pid}.input"
    kind = PREDICTIONS[pid].kind
    widget = at.radio(key=key) if kind == "choice" else at.number_input(key=key) if kind == "number" \
        else at.multiselect(key=key)
    widget.set_value(given if kind != "order" else [PREDICTIONS[pid].options[i] for i in given])
    next(b for b in at.button if b.proto.form_id == f"prediction-form-{pid}").click().run(timeout=timeout)
    assert not at.exception, [e.value for e in at.exception]
    return at


def revealed(at: AppTest) -> str:
    """The text of every prediction's reveal on the page (its success, error or info box)."""
    return " ".join(a.value for a in [*at.success, *at.error, *at.info] if "The answer, computed" in a.value)
