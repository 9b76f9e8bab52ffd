"""Regenerate the screenshots the README shows, from a real server in headless Chromium.

Run: .venv/bin/python -m tests.docs_screenshots   (after ./run.sh test has installed everything)
"""
from __future__ import annotations

from playwright.sync_api import sync_playwright

from testkit import ROOT
from testkit.browser import CHROMIUM_ARGS, chromium_path, open_page
from testkit.server import start_streamlit

# file name: (page and query, a heading to scroll to first or None, whether the view has charts)
SHOTS = {
    "screenshot-kv-memory.png": ("kv_memory?text=The+capital+of+France+is&view=attribution",
                                 "Which neurons wrote this prediction", True),
    "screenshot-lens.png": ("kv_memory?text=The+capital+of+France+is&view=lens", "Layer by layer", True),
    "screenshot-concepts.png": ("concept_neurons", "Gallery: concept neurons", False),
    "screenshot-budget.png": ("budget?preset=llama2-7b", None, True),
}


def main() -> None:
    proc, url = start_streamlit()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            for name, (path, heading, charts) in SHOTS.items():
                open_page(page, f"{url}/{path}", charts=charts)
                if heading:
                    page.get_by_text(heading).first.evaluate("e => e.scrollIntoView({block: 'start'})")
                    page.wait_for_timeout(800)
                shown = page.locator("[data-testid=stMain]").inner_text()
                if "Link parameter fixed" in shown or page.locator("[data-testid=stException]").count():
                    raise SystemExit(f"{path} does not open cleanly; fix its URL before showing it off")
                page.screenshot(path=str(ROOT / "docs" / name))
                print(f"docs/{name}")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
