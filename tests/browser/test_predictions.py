"""Every prediction on every page and tour step, answered with the keyboard alone in Chromium: the
reveal shows the learner's answer beside the figure the code computes (content/predictions.py's
figure, computed here by the same function), how far off a number was, and the view it settles."""
from __future__ import annotations

import pytest

from components.shared.registry import PAGES
from content.predictions import PREDICTIONS, truth
from content.tour import STEPS
from testkit.browser import open_page, wait_until_idle
from testkit.predictions import answer, open_questions, reveal

pytestmark = pytest.mark.browser
NOT_ASKING = {"home", "glossary", "class", "tour"}


def wrong(pid: str):
    """An answer that is not the computed one (a learner's mistake, so the reveal must correct it)."""
    p, t = PREDICTIONS[pid], truth(pid).answer
    if p.kind == "choice":
        return (int(t) + 1) % len(p.options)
    if p.kind == "order":
        return tuple(reversed(t))
    return p.lo if abs(float(t) - p.lo) > (p.hi - p.lo) / 20 else p.hi


def answer_all(page, want_right: bool) -> list[str]:
    """Answer every open question on the page, top to bottom, as the later ones appear; check each
    reveal. Returns the ids answered."""
    done: list[str] = []
    while todo := [q for q in open_questions(page) if q not in done]:
        pid = todo[0]
        p, t = PREDICTIONS[pid], truth(pid)
        given = t.answer if want_right else wrong(pid)
        answer(page, pid, given)
        text = reveal(page, pid)
        assert f"You predicted: {p.show(given)}" in text, text
        assert f"The answer, computed: {p.show(t.answer)}" in text, text
        if p.kind == "number":
            assert p.how_far(given, t.answer) in text
        done.append(pid)
        assert len(done) < 10, "a page keeps asking"
    return done


@pytest.mark.parametrize("url_path", [p.url_path for p in PAGES if p.url_path not in NOT_ASKING])
def test_each_page_asks_and_reveals_the_computed_answer(server_url, page, url_path):
    open_page(page, f"{server_url}/{url_path}")
    assert answer_all(page, want_right=False), f"{url_path} asks nothing"


def test_each_tour_step_asks_before_its_view(server_url, page):
    """One session through all seven steps (the Next button), answering wrongly and rightly in turn."""
    asked = []
    open_page(page, f"{server_url}/tour")
    for n, step in enumerate(STEPS, 1):
        if n > 1:
            page.get_by_role("button", name="Next").click()
            # the page writes its step into the URL as its script ends (step 7 first computes its question's
            # figures with the real model): idle before that can be the moment before the rerun began
            page.wait_for_function(f"() => new URLSearchParams(location.search).get('step') === '{n}'",
                                   timeout=120_000)
            wait_until_idle(page)
            assert f"Step {n} of {len(STEPS)}" in page.inner_text("[data-testid=stMain]")
        if step.prediction not in asked:  # a prediction answered once stays answered: the view shows at once
            page.wait_for_selector(f".st-key-predict-{step.prediction} [data-testid=stForm]", timeout=120_000)
            assert step.prediction in open_questions(page)
            assert page.locator("[data-testid=stMain] blockquote").count() == 0  # the idea waits for the answer
            asked += answer_all(page, want_right=n % 2 == 0)
        assert page.locator("[data-testid=stMain] blockquote").count() == 1, f"step {n}'s idea is not shown"


def test_reveal_all_shows_every_answer_without_asking(server_url, page):
    open_page(page, f"{server_url}/why_ffn?reveal=all")
    assert not open_questions(page)
    text = reveal(page, "xor-no-activation")
    assert "You predicted" not in text and PREDICTIONS["xor-no-activation"].show(truth("xor-no-activation").answer) in text
