"""The class page's logic in AppTest, through app.py's router: a teacher's room on SQLite, a join
link on another page, bad codes, and a database that is down while the rest of FFN Lab works."""
from __future__ import annotations

import pytest

from classroom import database, rooms
from testkit.apptest import run_page


@pytest.fixture
def sqlite(tmp_path, monkeypatch):
    monkeypatch.setenv("FFNLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'rooms.sqlite3'}")
    yield
    database.forget()


def texts(at) -> str:
    return " ".join(e.value for kind in ("markdown", "warning", "error", "info", "caption", "success")
                    for e in at.get(kind) if isinstance(getattr(e, "value", None), str))


def test_a_teacher_starts_a_class_and_gets_its_code(sqlite):
    at = run_page("class")
    start = next(b for b in at.button if b.label == "Start a class")
    start.click().run()
    assert not at.exception, [e.value for e in at.exception]
    code, secret = at.session_state["class.teacher"]
    assert rooms.is_teacher(code, secret)
    assert any(f'class="join-code"' in h.proto.body and f">{code}<" in h.proto.body for h in at.get("html"))
    assert at.get("metric")[0].value == "0 of 0"


def test_a_join_link_on_any_page_joins_and_the_page_still_asks(sqlite):
    opened = rooms.create()
    at = run_page("why_ffn", **{"class": opened.code.lower()})
    assert rooms.state(opened.code).students == 1
    assert f"In class **{opened.code}**" in texts(at)
    me = at.session_state["class.token"]
    assert at.query_params["class"] == opened.code and at.query_params["me"] == me
    again = run_page("why_ffn", **{"class": opened.code, "me": me})  # a reload: a new session, the same student
    assert again.session_state["class.token"] == me and rooms.state(opened.code).students == 1


@pytest.mark.parametrize("raw, says", [("<script>x", "That is not a class code"), ("ACEFHJ", "No class is open")])
def test_a_bad_code_says_why_and_never_echoes_it(sqlite, raw, says):
    at = run_page("home", **{"class": raw})
    shown = texts(at)
    assert says in shown and "<script>" not in shown


def test_an_unreachable_database_is_named_and_the_page_works(monkeypatch):
    monkeypatch.setenv("FFNLAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    try:
        at = run_page("why_ffn", **{"class": "ACEFHJ"})
        assert "Class mode is unavailable" in texts(at)
        assert "no activation" in texts(at)  # the page's own prediction is asked, as without a class
        assert "predict.room" not in at.session_state  # no room joined: answers stay in the session
        at = run_page("class")
        next(b for b in at.button if b.label == "Start a class").click().run()
        assert not at.exception and "Class mode is unavailable" in texts(at)
    finally:
        database.forget()


def test_a_teachers_sidebar_carries_the_class_onto_every_page(sqlite):
    at = run_page("class")
    next(b for b in at.button if b.label == "Start a class").click().run()
    code, secret = at.session_state["class.teacher"]
    rooms.show(code, secret, "xor-no-activation")
    rooms.answer(code, "student-token-00000001", "xor-no-activation", 40)
    at.switch_page("lessons/why_ffn.py").run()
    assert not at.exception
    side = " ".join(m.value for m in at.sidebar.markdown)
    assert f"**Class {code}** · 1 joined" in side and "**1** of 1 answered" in side
    next(b for b in at.sidebar.button if b.label == "Reveal the answer").click().run()
    assert "xor-no-activation" in rooms.state(code).revealed


def test_opening_the_check_brings_the_students_to_it_and_their_answers_count(sqlite):
    at = run_page("class")
    next(b for b in at.button if b.label == "Start a class").click().run()
    code, secret = at.session_state["class.teacher"]
    student = run_page("why_ffn", **{"class": code})
    at.segmented_control(key="class.phase_pick").set_value("pre").run()
    state = rooms.state(code)
    assert (state.phase, state.page) == ("pre", "class")  # the students' pages follow to /class
    student.switch_page("lessons/class.py").run()
    assert any(h.value == "Concept check, before the tour" for h in student.header)
    for r in student.radio:
        r.set_value(0)
    next(b for b in student.button if b.label == "Send my answers").click().run()
    assert "Sent: 6 of 6 answers" in texts(student)
    assert [r.pre.answered for r in rooms.results(code, secret)] == [1] * 6
