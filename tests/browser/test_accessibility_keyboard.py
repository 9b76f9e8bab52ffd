"""The guided tour and the quiz with the keyboard alone: Tab reaches every control on the page,
Enter and Space press buttons, the arrow keys choose a quiz answer and turn the tour's pages."""
from __future__ import annotations

import re

import pytest

from content.predictions import truth
from content.quiz import QUESTIONS
from content.tour import STEPS
from testkit.browser import wait_until_idle

pytestmark = pytest.mark.browser

MAX_TABS = 400

# Number every control in the page's main area that a keyboard user must reach (not what a closed
# expander hides: Enter opens it first); the options of a radio group (quiz answers, segmented
# controls) count once per group, since Tab enters a group and the arrow keys move inside it.
_MARK_CONTROLS = """() => {
    const sel = 'button, a[href], input, textarea, select, [tabindex]:not([tabindex="-1"])';
    const seen = new Set();
    let n = 0;
    for (const el of document.querySelectorAll('[data-testid=stMain] ' + sel)) {
        if (el.disabled || el.getAttribute('tabindex') === '-1' || !el.checkVisibility()) continue;
        const group = el.closest('[role=radiogroup]');
        if (group && seen.has(group)) { el.dataset.kb = group.dataset.kb; continue; }
        el.dataset.kb = String(n++);
        if (group) { seen.add(group); group.dataset.kb = el.dataset.kb; }
    }
    return n;
}"""
_FOCUSED = "() => document.activeElement?.closest('[data-kb]')?.dataset.kb ?? null"


def reached_by_tab(page) -> tuple[int, set[str]]:
    """How many controls the main area has, and which of them Tab reaches, going once round."""
    count = page.evaluate(_MARK_CONTROLS)
    reached: set[str] = set()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        kb = page.evaluate(_FOCUSED)
        if kb is not None:
            reached.add(kb)
        if len(reached) == count:
            break
    return count, reached


def tab_to(page, test_js: str) -> None:
    """Press Tab until the focused element passes `test_js` (a function of the element)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!e && ({test_js})(e); }}"):
            return
    raise AssertionError(f"Tab never reached an element with {test_js}")


def settle(page) -> None:
    page.wait_for_timeout(300)  # the key's rerun starts
    wait_until_idle(page, timeout_ms=120_000)


def tour_step(page) -> int:
    return int(re.search(r"Step (\d+) of", page.locator("[data-testid=stProgress]").inner_text()).group(1))


def test_tab_reaches_every_control_of_the_tour_and_the_quiz(page, server_url):
    for path in ("tour", "quiz"):
        page.goto(f"{server_url}/{path}")
        wait_until_idle(page, timeout_ms=120_000)
        count, reached = reached_by_tab(page)
        assert count >= (2 if path == "tour" else len(QUESTIONS)), f"{path}: only {count} controls found"
        missing = page.evaluate("ids => ids.map(i => document.querySelector(`[data-kb='${i}']`).outerHTML.slice(0, 120))",
                                sorted(set(map(str, range(count))) - reached))
        assert not missing, f"{path}: Tab never reaches {missing}"


def test_the_tour_with_the_keyboard_alone(page, server_url):
    page.goto(f"{server_url}/tour")
    wait_until_idle(page, timeout_ms=120_000)
    assert tour_step(page) == 1
    is_next = "e => e.tagName === 'BUTTON' && e.innerText.includes('Next')"
    tab_to(page, is_next)
    page.keyboard.press("Enter")
    settle(page)
    assert tour_step(page) == 2
    tab_to(page, is_next)
    page.keyboard.press("Space")
    settle(page)
    assert tour_step(page) == 3
    page.evaluate("document.activeElement.blur()")  # the arrow shortcuts act when no field has focus
    page.keyboard.press("ArrowLeft")
    settle(page)
    assert tour_step(page) == 2
    for expected in range(3, len(STEPS) + 1):
        page.keyboard.press("ArrowRight")
        settle(page)
        assert tour_step(page) == expected
    tab_to(page, "e => e.tagName === 'BUTTON' && e.innerText.includes('Previous')")
    page.keyboard.press("Enter")
    settle(page)
    assert tour_step(page) == len(STEPS) - 1


def test_the_quiz_with_the_keyboard_alone(page, server_url):
    """Each question (a prediction: a radio group in a form) is answered with Tab, Space and the
    arrows, and locked in with Enter on its button; the takeaways open once all are answered."""
    page.goto(f"{server_url}/quiz")
    wait_until_idle(page, timeout_ms=120_000)
    groups = page.locator("[data-testid=stMain] [role=radiogroup]")
    assert groups.count() == len(QUESTIONS)
    assert page.locator("[data-testid=stExpander] details[open]").count() == 0  # the takeaways wait
    for i, question in enumerate(QUESTIONS):
        pid = f"quiz-{question.key}"
        right = truth(pid).answer
        box = f"document.querySelector('.st-key-predict-{pid}')"
        tab_to(page, f"e => e.type === 'radio' && {box}.contains(e)")  # the first unanswered question's group
        page.keyboard.press("Space")  # Tab enters an unanswered group on its first option: choose it
        for _ in range(right):
            page.keyboard.press("ArrowDown")  # each arrow moves to the next option and chooses it
        checked = page.locator(f".st-key-predict-{pid} input[type=radio]:checked")
        assert checked.count() == 1
        assert page.evaluate("e => [...e.closest('[role=radiogroup]').querySelectorAll('input[type=radio]')]"
                             ".indexOf(e)", checked.element_handle()) == right
        tab_to(page, f"e => e.tagName === 'BUTTON' && {box}.contains(e)")  # "Lock in my prediction"
        page.keyboard.press("Enter")
        page.wait_for_selector(f".st-key-reveal-{pid}", timeout=60_000)
        settle(page)
    score = page.locator("[data-testid=stMetric]", has_text="Score")
    assert f"{len(QUESTIONS)} / {len(QUESTIONS)}" in score.inner_text()
    assert page.locator("[data-testid=stAlertContentSuccess]").count() == len(QUESTIONS)
    assert page.locator("[data-testid=stExpander] details[open]").count() == 1  # the takeaways, open
