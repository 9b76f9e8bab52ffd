"""Every control can be read whole (issue 29): at a projector's 1,024 px and at a phone's 390 px, in
presentation mode and out of it, no button, page link, widget label or metric label cuts its text short
("← Pre…", "→ Fini…" on the tour) or spills it out of its box. A label fails when one of its elements
holds more text than it shows: scrollWidth beyond clientWidth (cut with an ellipsis, or overflowing)."""
from __future__ import annotations

import pytest

from components.shared.registry import PAGES
from content.tour import STEPS
from testkit.browser import open_page

pytestmark = pytest.mark.browser

CONTROLS = ("[data-testid=stMain] :is(button, [data-testid=stPageLink] a, [data-testid=stWidgetLabel], "
            "[data-testid=stMetricLabel])")
# every control with the elements inside it that cut their text: (its label, element, text width, shown width)
_CUT_LABELS = """sel => [...document.querySelectorAll(sel)].flatMap(control =>
    [control, ...control.querySelectorAll('*')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => [control.innerText.replace(/\\s+/g, ' ').trim(), e.tagName, e.scrollWidth, e.clientWidth]))"""


@pytest.mark.parametrize("width", [1024, 390])
@pytest.mark.parametrize("present", ["false", "true"])
def test_no_control_label_on_the_tour_is_cut_short(server_url, page, width, present):
    page.set_viewport_size({"width": width, "height": 900})
    for step in (1, len(STEPS)):  # "Previous" and "Next"; "Finish: take the quiz", the longest, on the last
        open_page(page, f"{server_url}/tour?step={step}&present={present}")
        labels = page.eval_on_selector_all(CONTROLS, "els => els.map(e => e.innerText)")
        assert any("Previous" in t for t in labels) and any(("Next" if step < len(STEPS) else "Finish") in t
                                                             for t in labels), labels
        cut = page.evaluate(_CUT_LABELS, CONTROLS)
        assert not cut, f"step {step} at {width} px, presentation {present}: labels cut short {cut}"


def test_the_check_sees_a_cut_label(server_url, page):
    """The check is real: squeeze a tour button to 24 px and it reports the label as cut."""
    page.set_viewport_size({"width": 1024, "height": 900})
    open_page(page, f"{server_url}/tour?step={len(STEPS)}")
    page.eval_on_selector_all(CONTROLS, "els => els.filter(e => e.innerText.includes('Finish'))"
                                        ".forEach(e => { e.style.width = '24px'; e.style.maxWidth = '24px'; })")
    cut = page.evaluate(_CUT_LABELS, CONTROLS)
    assert any("Finish" in label for label, *_ in cut), cut


@pytest.mark.parametrize("width", [1024, 390])
@pytest.mark.parametrize("present", ["false", "true"])
def test_no_control_label_on_any_page_is_cut_short(server_url, page, width, present):
    page.set_viewport_size({"width": width, "height": 900})
    cut = {}
    for info in PAGES:
        open_page(page, f"{server_url}/{info.url_path}?present={present}")
        found = page.evaluate(_CUT_LABELS, CONTROLS)
        if found:
            cut[info.url_path] = found
    assert not cut, f"at {width} px, presentation {present}: labels cut short {cut}"
