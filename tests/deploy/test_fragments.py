"""Sections of a page that run as st.fragment, spoken to as a browser does (the protocol client):
moving a control inside one reruns that section only, and the section still writes the URL, so
the shared link opens the same view (the browser side of that: tests/browser/test_browser_e2e.py)."""
import asyncio
import threading

import pytest

from loadtest.protocol_client import StreamlitSession

pytestmark = pytest.mark.browser

# page, control key, new value, the URL parameter it writes, a text only the part above it shows,
# a text the reopened link must show
SECTIONS = [
    ("kv_memory", "kv.layer", 3.0, "layer=3", "1 · Tokens and the model's next-token prediction", "**Layer 3, neuron"),
    ("activations", "act.d_ff", 512.0, "d_ff=512", "Exact GELU, its tanh approximation, and ReLU near zero",
     "Gated units"),
]


async def _change(url: str, page: str, key: str, value: float):
    s = StreamlitSession(url)
    await s.connect()
    try:
        full = await s.open_page(page, "reveal=all")  # the sections wait for the page's prediction
        part = await s.set_slider(key, value)
        again = await s.open_page(page, part.query_string)  # the link the browser now shows
        return full, part, again
    finally:
        await s.close()


@pytest.mark.parametrize("page, key, value, param, above, reopened", SECTIONS, ids=[s[0] for s in SECTIONS])
def test_a_control_in_a_section_reruns_only_that_section_and_keeps_the_url(server_url, page, key, value, param,
                                                                           above, reopened):
    out = []  # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    worker = threading.Thread(target=lambda: out.append(asyncio.run(_change(server_url, page, key, value))))
    worker.start()
    worker.join(timeout=120)
    full, part, again = out[0]
    assert not (full.exceptions or part.exceptions or again.exceptions)
    assert not full.fragment and any(above in t for t in full.texts)
    assert part.fragment and not any(above in t for t in part.texts)  # the part above was not sent again
    assert len(part.elements) < len(full.elements)
    assert param in part.query_string.split("&")  # the section published its control
    assert any(above in t for t in again.texts) and len(again.elements) == len(full.elements)
    assert any(reopened in t for t in again.texts)
