"""Smoke test in a real browser: the app served by `streamlit run`, opened in Debian's Chromium, by a
shared deep link and with a script in the text (every page in every mode: test_accessibility.py)."""
from urllib.parse import quote

import pytest

from testkit.browser import open_page

pytestmark = pytest.mark.browser


def test_deep_link_on_first_visit_restores_state(page, server_url):
    open_page(page, f"{server_url}/budget?preset=smollm2-135m&n_layers=-5", charts=True)
    assert "clamped to" in page.locator("[data-testid=stAlert]").first.inner_text()
    assert "n_layers=1&" in page.url and "d_model=576" in page.url
    assert page.locator("[data-testid=stException]").count() == 0


def test_script_in_text_is_shown_never_run(page, server_url):
    payload = ('<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2;alert(2)">'
               '<svg onload="window.__xss=3">')
    open_page(page, f"{server_url}/kv_memory?text={quote(payload)}", charts=True)
    assert page.locator("textarea").first.input_value() == payload
    shown = page.locator("[data-testid=stMain]").inner_text()
    assert "script" in shown and "onerror" in shown  # the tokens are displayed as text
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("[data-testid=stMain] img[src=x], [data-testid=stMain] svg[onload]").count() == 0
