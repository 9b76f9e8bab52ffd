"""Run one page of the real app (through app.py's router) in Streamlit's AppTest."""
from __future__ import annotations

from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest

from testkit import ROOT


def run_page(page: str, timeout: float = 60, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
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
