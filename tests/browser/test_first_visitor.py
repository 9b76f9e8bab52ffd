"""A fresh server's very first visitor, arriving by a shared deep link, gets the whole app: the
pages live in lessons/, since with a folder named pages/ Streamlit 1.67 would run the bare page in
its legacy mode, with no navigation and no shared sidebar, until some session had run the router."""
import pytest

from testkit import ARTIFACTS
from testkit.browser import open_page
from testkit.server import start_streamlit

pytestmark = pytest.mark.browser


def test_first_request_to_a_fresh_server_is_routed_through_the_app(page):
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "streamlit-first-visitor.log", "w") as log:
        proc, url = start_streamlit(log=log)  # its own server: no session may have run before
        try:
            open_page(page, f"{url}/budget?preset=llama2-7b", charts=True)
            assert "Parameter budget" in page.locator("[data-testid=stSidebarNav]").inner_text()
            assert "Presentation mode" in page.locator("[data-testid=stSidebar]").inner_text()  # app.py's sidebar
            assert "preset=llama2-7b" in page.url and "d_model=4096" in page.url
            assert page.locator("[data-testid=stException]").count() == 0
        finally:
            proc.terminate()
            proc.wait(timeout=20)
