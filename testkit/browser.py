"""Debian's Chromium, how we launch it, waiting for a Streamlit page in it, and checking what it shows."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from testkit import ARTIFACTS

SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium (or $CHROMIUM); FileNotFoundError saying how to install it if missing."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise FileNotFoundError("Debian's chromium is not installed: run the README's test command, which installs it")
    return path


# Every chart the page holds is drawn (plotly draws an element's figure, and each new one, as React
# commits it), and the browser has rendered two frames since: what the last deltas changed is shown.
_CHARTS_DRAWN_JS = ("() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
                    ".every(chart => chart.querySelector('.js-plotly-plot .main-svg'))")
_TWO_FRAMES_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def wait_until_idle(page, timeout_ms: int = 60_000, charts: bool = False) -> None:
    """The script has finished: the page has content (and charts, if asked) and the app says
    its script is not running. Waiting for content first avoids catching the instant before
    the first script run starts. The app root's data-test-script-state is the signal: the
    'running' status widget disappears for seconds in the middle of a long run. Then every
    chart on the page is drawn and two frames have been rendered (this waited a fixed 0.5 s)."""
    page.wait_for_selector("[data-testid=stMain] h1", timeout=timeout_ms)
    if charts:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=timeout_ms)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=stStatusWidget]')"
        " && !document.querySelector('[data-testid=stSkeleton]')",
        timeout=timeout_ms)
    page.evaluate(_TWO_FRAMES_JS)  # React commits what the last deltas brought
    page.wait_for_function(_CHARTS_DRAWN_JS, timeout=timeout_ms)
    page.evaluate(_TWO_FRAMES_JS)


def open_page(page, url: str, charts: bool = False) -> None:
    page.goto(url)
    wait_until_idle(page, charts=charts)


def plot_trace_counts(page) -> list[int]:
    """Number of drawn traces in every plotly chart on the page."""
    return page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => (e.data || []).length)")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
