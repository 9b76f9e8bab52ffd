"""Class mode end to end, in a real server and two real Chromium contexts: a teacher opens a room,
a student joins by its link, answers a prediction, the teacher's count shows it, the teacher
reveals, and the student's page shows the answer within 2 s."""
from __future__ import annotations

import re
import time

import pytest

from content.predictions import PREDICTIONS, truth
from content.tour import STEPS
from testkit import ARTIFACTS
from testkit.browser import open_page, wait_until_idle
from testkit.server import start_streamlit

PID = "xor-no-activation"  # a number prediction, on the Why attention page


@pytest.fixture(scope="module")
def class_server(tmp_path_factory, warm_caches):
    """A server of its own, whose rooms live in a fresh SQLite file (the default kind)."""
    db = tmp_path_factory.mktemp("classroom") / "rooms.sqlite3"
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "streamlit-class.log", "w") as log:
        proc, url = start_streamlit(log=log, env={"FFNLAB_DATABASE_URL": f"sqlite:///{db}"})
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_a_student_joins_answers_and_sees_the_teachers_reveal(browser, class_server):
    teacher = browser.new_context(viewport={"width": 1400, "height": 2000}).new_page()
    open_page(teacher, class_server + "/class")
    teacher.get_by_role("button", name="Start a class").click()
    teacher.wait_for_selector(".st-key-class-code", timeout=30_000)
    code = teacher.locator(".st-key-class-code .join-code").inner_text().strip()
    assert re.fullmatch(r"[ACEFHJKMNPRTWXY349]{6}", code)
    join = teacher.locator(".st-key-class-code pre code").inner_text().strip()
    assert join.endswith(f"/?class={code}")
    teacher.locator(".st-key-class-code img.join-qr[alt]").wait_for(timeout=10_000)  # the QR code
    from components.classroom.dashboard import qr_uri
    assert teacher.locator("img.join-qr").get_attribute("src") == qr_uri(join)  # the QR code is of this link
    count = teacher.locator(".st-key-class-count")
    count.get_by_text("0 of 0").wait_for(timeout=10_000)

    student = browser.new_context(viewport={"width": 1200, "height": 1600}).new_page()
    open_page(student, join.replace("/?", "/why_ffn?"))
    student.get_by_text(f"In class {code}").wait_for(timeout=10_000)
    box = student.locator(f".st-key-predict-{PID}")
    box.locator("input[type=number]").focus()
    student.keyboard.type("40")
    student.keyboard.press("Enter")
    box.get_by_text("Sent to the class: 40.0%").wait_for(timeout=30_000)
    assert student.locator(f".st-key-reveal-{PID}").count() == 0  # the reveal waits for the teacher

    count.get_by_text("1 of 1").wait_for(timeout=5_000)
    wait_until_idle(teacher)
    # the teacher's dashboard, with its live answers, passes axe as every page's default view does
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_accessibility import classify
    found = Axe().run(teacher).response["violations"]
    ours, _ = classify(teacher, found)
    bad = [row for row in ours if row[1] in ("serious", "critical") or row[0] == "heading-order"]
    assert not bad, bad
    teacher.get_by_role("button", name="Reveal the answer").click()
    clicked = time.monotonic()
    student.wait_for_selector(f".st-key-reveal-{PID}", timeout=20_000)
    took = time.monotonic() - clicked
    text = re.sub(r"\s+", " ", student.locator(f".st-key-reveal-{PID}").inner_text())
    p = PREDICTIONS[PID]
    assert "You predicted: 40.0%" in text and f"The answer, computed: {p.show(truth(PID).answer)}" in text, text
    assert took <= 2.0, took

    # the teacher moves the class to the tour's second step: the student's page follows
    wait_until_idle(teacher)
    teacher.get_by_label("Move the class to").click()
    teacher.get_by_role("option", name="Guided tour").click()
    steps = teacher.get_by_label("Tour step")
    steps.fill("2")
    steps.press("Enter")
    wait_until_idle(teacher)
    teacher.get_by_role("button", name="Move the class there").click()
    clicked = time.monotonic()
    student.wait_for_url(re.compile(r"/tour"), timeout=2_000)
    took = time.monotonic() - clicked
    assert took <= 2.0, took
    student.get_by_role("heading", name=f"2. {STEPS[1].title}").wait_for(timeout=30_000)
    teacher.context.close()
    student.context.close()
