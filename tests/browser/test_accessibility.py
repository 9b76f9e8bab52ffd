"""Every page opened from its URL in a real browser, in light, dark and presentation mode, with its
predictions asked (as a learner first sees it) and with every answer shown (?reveal=all): it renders
(the whole app, every chart drawn, a screenshot in artifacts/screenshots/), and axe-core finds in FFN
Lab's own markup and theme no serious or critical violation and no skipped heading level, and every
chart has its caption right below it.

What Streamlit's own components get wrong is told apart by the element it is found in and the rule
(STREAMLIT_OWNED). Those are listed in docs/accessibility.md, and a test here fails when one is
found that the document does not list. One tab per mode visits the pages one after another.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.shared.registry import PAGES
from testkit.browser import plot_trace_counts, screenshot, wait_until_idle

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
    # a page as a learner first sees it: its predictions asked, the views they settle not yet drawn
    "light": ({"color_scheme": "light"}, ""),
    "dark-predicting": ({"color_scheme": "dark"}, ""),  # the app follows the system's theme (config.toml)
    # every answer shown (?reveal=all, as a teacher prepares a class): every view drawn
    "dark": ({"color_scheme": "dark"}, "?reveal=all"),
    "presentation": ({"color_scheme": "light"}, "?present=true&reveal=all"),
}
REVEALED = {mode for mode, (_, query) in MODES.items() if "reveal=all" in query}

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


@pytest.fixture(scope="module")
def tab_in(browser):
    """mode -> one tab of a browser context in that mode's colour scheme, which visits the pages one
    after another (its cache keeps Streamlit's scripts between them); the dialogs any page opened
    are listed in the tab's `dialogs`."""
    contexts, tabs = [], {}

    def tab(mode: str):
        if mode not in tabs:
            context = browser.new_context(viewport={"width": 1400, "height": 2400}, **MODES[mode][0])
            contexts.append(context)
            page = tabs[mode] = context.new_page()
            page.dialogs = []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        return tabs[mode]

    yield tab
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.mark.parametrize("info", PAGES, ids=[p.url_path for p in PAGES])
@pytest.mark.parametrize("mode", list(MODES))
def test_every_page_renders_with_no_serious_violation_from_our_markup(tab_in, axe, server_url, mode, info):
    """The page opens from its URL in this mode without an exception or a dialog, shows the whole app
    (the sidebar's page menu, or in presentation mode a collapsed sidebar and large type), draws every
    chart with a caption right below it, and axe-core finds no serious or critical violation and no
    skipped heading level in FFN Lab's own markup, nor one of Streamlit's that the document does not list."""
    page = tab_in(mode)
    page.goto(page_url(server_url, info.url_path, MODES[mode][1]))
    try:
        # asked, a page may hold back every chart until answered (position-wise): wait for charts only
        # where every view is drawn (those drawn anyway are waited for all the same)
        wait_until_idle(page, timeout_ms=PAGE_TIMEOUT_MS, charts=info.charts and mode in REVEALED)
    except Exception as error:  # name the page: a timeout alone does not
        raise AssertionError(f"{info.url_path} in {mode} mode did not finish: {error}") from error
    assert page.locator("[data-testid=stException]").count() == 0, f"{info.url_path}: exception"
    assert page.locator("[role=dialog]").count() == 0, f"{info.url_path}: a dialog is open"
    dialogs, page.dialogs = page.dialogs, []
    assert not dialogs, f"a JavaScript dialog opened: {dialogs}"
    nav = page.locator("[data-testid=stSidebarNav]")
    if mode == "presentation":  # it starts with the sidebar collapsed and large type
        assert not nav.is_visible()
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-testid=stMain] p')).fontSize)")
        assert size >= 22
    else:
        assert info.title in nav.inner_text()
    background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    dark = sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 3 * 128
    assert dark == mode.startswith("dark"), f"{info.url_path} in {mode} mode has background {background}"
    if info.charts and mode in REVEALED:
        traces = plot_trace_counts(page)
        assert traces and all(n > 0 for n in traces), traces
    uncaptioned = page.evaluate(_UNCAPTIONED_JS)
    assert not uncaptioned, f"{info.url_path}: charts without a caption below them: {uncaptioned}"
    assert screenshot(page, f"{info.url_path}-{mode}").stat().st_size > 10_000

    ours, theirs = classify(page, axe.run(page).response["violations"])
    for rule, impact, html, _ in ours:
        print(f"\n  ours, {impact} (allowed: neither serious nor critical): {info.url_path} {mode} {rule} {html}")
    bad = [row for row in ours if row[1] in SERIOUS or row[0] == "heading-order"]
    assert not bad, f"serious/critical or heading-order violations from FFN Lab's markup on {info.url_path} " \
                    f"in {mode} mode:\n" + "\n".join(f"{rule} ({impact}) {html}" for rule, impact, html, _ in bad)
    documented = DOC.read_text()
    missing = sorted({(rule, element) for rule, _, _, element in theirs
                      if f"`{rule}`" not in documented or element not in documented})
    assert not missing, f"Streamlit's own violations not listed in {DOC.name}: {missing}"
