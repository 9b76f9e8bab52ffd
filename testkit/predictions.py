"""Answering a page's predictions (content/predictions.py) in Chromium with the keyboard alone, as a
learner does: Tab into the question, Space or the arrow keys for a choice, typing for a number or an
ordering, Enter to lock it in. The reveal is then read back from the page."""
from __future__ import annotations

import re

from content.predictions import PREDICTIONS, Answer, Prediction
from testkit.browser import wait_until_idle

_OPEN = ("() => [...document.querySelectorAll('[data-testid=stMain] [class*=\"st-key-predict-\"]')]"
         ".filter(el => el.querySelector('[data-testid=stForm]'))"
         ".map(el => [...el.classList].find(c => c.startsWith('st-key-predict-')).slice('st-key-predict-'.length))")


def open_questions(page) -> list[str]:
    """The ids of the predictions on the page that wait for an answer, top to bottom."""
    return page.evaluate(_OPEN)


def focus(page, selector: str) -> None:
    """Put the keyboard focus on an element (as Tab would land on it: tests of Tab order are
    tests/browser/test_accessibility_keyboard.py's)."""
    page.locator(selector).first.focus()


def answer(page, pid: str, given: Answer) -> None:
    """Answer prediction `pid` with `given` by keyboard and wait for the page to rerun."""
    p: Prediction = PREDICTIONS[pid]
    box = f".st-key-predict-{pid}"
    if p.kind == "choice":
        focus(page, f"{box} input[type=radio]")
        page.keyboard.press("Space")  # selects the first option
        for _ in range(int(given)):
            page.keyboard.press("ArrowDown")
        focus(page, f"{box} button[kind*=ormSubmit], {box} [data-testid=stBaseButton-secondaryFormSubmit] ")
        page.keyboard.press("Enter")
    elif p.kind == "number":
        focus(page, f"{box} input[type=number]")
        page.keyboard.type(str(given))
        page.keyboard.press("Enter")  # a form's number input submits it on Enter
    else:
        focus(page, f"{box} input")
        for i in given:
            page.keyboard.type(p.options[i])
            page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        focus(page, f"{box} [data-testid=stBaseButton-secondaryFormSubmit]")
        page.keyboard.press("Enter")
    page.wait_for_selector(f".st-key-reveal-{pid}", timeout=120_000)
    wait_until_idle(page)


def reveal(page, pid: str) -> str:
    """The reveal's text, white space folded."""
    return re.sub(r"\s+", " ", page.locator(f".st-key-reveal-{pid}").inner_text())
