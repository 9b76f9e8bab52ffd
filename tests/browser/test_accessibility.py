"""axe-core on every page in light, dark and presentation mode: FFN Lab's own markup and theme have
no serious or critical violation and no skipped heading level, and every chart has its caption
right below it.

What Streamlit's own components get wrong is told apart by the element it is found in and the rule
(STREAMLIT_OWNED). Those are listed in docs/accessibility.md, and a test here fails when one is
found that the document does not list. One browser visits the pages one after another per mode.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.shared.registry import PAGES
from testkit.browser import wait_until_idle

pytestmark = pytest.mark.browser

DOC = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"
SERIOUS = {"serious", "critical"}
# a fresh server computes some pages' first views (why_ffn trains networks): minutes on a busy machine
PAGE_TIMEOUT_MS = 240_000


@dataclass(frozen=True)
class Owned:
    """Violations of `rules` inside `selector` come from the Streamlit element `element`."""
    selector: str
    element: str
    rules: frozenset[str]


STREAMLIT_OWNED = [
    Owned("[data-testid=stSidebarNav]", "st.navigation (the sidebar's page menu)", frozenset({"list", "listitem"})),
    Owned("[data-testid=stFileUploaderDropzone]", "st.file_uploader (its drop zone)",
          frozenset({"presentation-role-conflict"})),
]

MODES = {  # browser context options, query string
    "light": ({"color_scheme": "light"}, ""),
    "dark": ({"color_scheme": "dark"}, ""),  # the app follows the system's theme (config.toml)
    "presentation": ({"color_scheme": "light"}, "?present=true"),
}

# For each violating node: the first Streamlit-owned element it sits in, or null (ours).
_OWNER_JS = """([targets, owned]) => targets.map(t => {
    const el = document.querySelector(t);
    if (!el) return null;
    const i = owned.findIndex(sel => el.closest(sel));
    return i < 0 ? null : i;
})"""

# Charts whose next element is not a caption (widgets.plot puts one right below every chart).
_UNCAPTIONED_JS = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
    .filter(chart => !chart.closest('[data-testid=stElementContainer]')?.nextElementSibling
        ?.querySelector('[data-testid=stCaptionContainer]'))
    .map(chart => chart.querySelector('.gtitle')?.textContent || 'untitled chart')"""


def page_url(server_url: str, url_path: str, query: str) -> str:
    # The default page is served at the root ('/home' would show Streamlit's 'Page not found' once).
    default = PAGES[0].url_path
    return f"{server_url}/{'' if url_path == default else url_path}{query}"


def classify(page, violations: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """(ours, streamlit's) as (rule, impact, html, owner element) rows, one per violating node."""
    ours, theirs = [], []
    for v in violations:
        targets = [n["target"][0] if len(n["target"]) == 1 else "" for n in v["nodes"]]
        owners = page.evaluate(_OWNER_JS, [targets, [o.selector for o in STREAMLIT_OWNED]])
        for node, i in zip(v["nodes"], owners):
            owner = STREAMLIT_OWNED[i] if i is not None else None
            row = (v["id"], v["impact"], node["html"][:160], owner.element if owner else "")
            (theirs if owner and v["id"] in owner.rules else ours).append(row)
    return ours, theirs


def audit(browser, server_url: str, mode: str) -> tuple[dict[str, list], dict[str, list], float]:
    from axe_playwright_python.sync_playwright import Axe

    options, query = MODES[mode]
    axe = Axe()
    ours, theirs = {}, {}
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, **options)
    try:
        page = context.new_page()
        for info in PAGES:
            page.goto(page_url(server_url, info.url_path, query))
            try:
                wait_until_idle(page, timeout_ms=PAGE_TIMEOUT_MS, charts=info.charts)
            except Exception as error:  # name the page: a timeout alone does not
                raise AssertionError(f"{info.url_path} in {mode} mode did not finish: {error}") from error
            assert page.locator("[data-testid=stException]").count() == 0, f"{info.url_path}: exception"
            assert page.locator("[role=dialog]").count() == 0, f"{info.url_path}: a dialog is open"
            background = page.evaluate(
                "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
            dark = sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 3 * 128
            assert dark == (mode == "dark"), f"{info.url_path} in {mode} mode has background {background}"
            uncaptioned = page.evaluate(_UNCAPTIONED_JS)
            assert not uncaptioned, f"{info.url_path}: charts without a caption below them: {uncaptioned}"
            results = axe.run(page)
            ours[info.url_path], theirs[info.url_path] = classify(page, results.response["violations"])
    finally:
        context.close()
    return ours, theirs, time.monotonic() - started


@pytest.mark.parametrize("mode", list(MODES))
def test_no_serious_violation_from_our_markup(browser, server_url, mode):
    ours, theirs, seconds = audit(browser, server_url, mode)
    print(f"\naxe-core, {mode} mode: {len(PAGES)} pages in {seconds:.0f} s")
    for url_path, rows in ours.items():
        for rule, impact, html, _ in rows:
            print(f"  ours, {impact} (allowed: neither serious nor critical): {url_path} {rule} {html}")

    bad = {p: [r for r in rows if r[1] in SERIOUS or r[0] == "heading-order"] for p, rows in ours.items()}
    bad = {p: rows for p, rows in bad.items() if rows}
    assert not bad, "serious/critical or heading-order violations from FFN Lab's markup:\n" + "\n".join(
        f"{p}: {rule} ({impact}) {html}" for p, rows in bad.items() for rule, impact, html, _ in rows)

    documented = DOC.read_text()
    missing = sorted({(rule, element) for rows in theirs.values() for rule, _, _, element in rows
                      if f"`{rule}`" not in documented or element not in documented})
    assert not missing, f"Streamlit's own violations not listed in {DOC.name}: {missing}"
