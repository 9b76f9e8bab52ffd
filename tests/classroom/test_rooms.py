"""Rooms on both backends: codes, joining, answers counted once, expiry, the cap, the concept check."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from classroom import codes, database, rooms
from classroom.rooms import ClassError
from classroom.schema import Answer, Room, Student
from content import concept_check

Q = "check-moe"  # a concept-check question: 4 options, answer known
RIGHT = concept_check.right(Q)


def token(i: int = 0) -> str:
    return f"student-token-{i:08d}"


def rows(url, table) -> int:
    with database.transaction(url) as s:
        return s.scalar(select(func.count()).select_from(table))


def test_migrations_build_exactly_the_models(db):
    """The schema comes from the migration alone, and it matches the models: nothing to autogenerate."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from classroom.schema import Base
    engine = database.sessions(db).kw["bind"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        version = MigrationContext.configure(conn).get_current_revision()
    assert diff == [] and version == "0001"


def test_a_room_has_a_readable_code_and_keeps_only_the_secrets_hash(db):
    opened = rooms.create()
    assert len(opened.code) >= 6 and set(opened.code) <= set(codes.ALPHABET)
    assert not set(codes.ALPHABET) & set("0O1IL5S2Z8B")
    assert len(opened.secret) >= 32  # 24 random bytes, url-safe base64
    with database.transaction() as s:
        stored = s.scalar(select(Room.secret_hash).where(Room.code == opened.code))
    assert stored == codes.digest(opened.secret) and opened.secret not in stored
    near = opened.secret[:-1] + ("x" if opened.secret[-1] != "x" else "y")  # one character off
    assert rooms.is_teacher(opened.code, opened.secret) and not rooms.is_teacher(opened.code, near)


@pytest.mark.parametrize("raw, says", [("", "not a class code"), ("ABC", "not a class code"),
                                       ("<b>hi</b>", "not a class code"), (123456, "is text"),
                                       ("AAAAAO", "not a class code")])
def test_malformed_codes_get_a_clear_message_that_does_not_echo_them(db, raw, says):
    with pytest.raises(ClassError, match=says) as err:
        rooms.join(raw, token())
    assert "<b>" not in str(err.value)


def test_a_code_is_forgiving_about_case_spaces_and_dashes(db):
    code = rooms.create().code
    assert rooms.join(f" {code[:3].lower()}-{code[3:]} ", token()).code == code


def test_a_wrong_code_and_an_ended_class_say_so(db):
    with pytest.raises(ClassError, match="No class is open with the code ACEFHJ"):
        rooms.join("ACEFHJ", token())
    past = datetime.now(timezone.utc) - timedelta(hours=5)
    old = rooms.create(now=past)
    with pytest.raises(ClassError, match="has ended"):
        rooms.join(old.code, token())


def test_expired_rooms_are_deleted_with_every_row(db):
    past = datetime.now(timezone.utc) - timedelta(hours=4, minutes=1)
    old = rooms.create(now=past)
    with database.transaction() as s:  # give it a student and an answer, as if the class ran
        room = s.scalar(select(Room).where(Room.code == old.code))
        room.phase = "pre"
        room.expires = datetime.now(timezone.utc) + timedelta(minutes=1)
    rooms.answer(old.code, token(), Q, 1, phase="pre")
    with database.transaction() as s:
        s.scalar(select(Room).where(Room.code == old.code)).expires = past + timedelta(hours=4)
    live = rooms.create()  # opening a room purges the ended ones
    assert (rows(db, Room), rows(db, Student), rows(db, Answer)) == (1, 0, 0)
    assert rooms.state(live.code).code == live.code


def test_a_changed_answer_replaces_the_old_one(db):
    opened = rooms.create()
    rooms.phase(opened.code, opened.secret, "pre")
    for choice in (0, 3, RIGHT):
        assert rooms.answer(opened.code, token(), Q, choice, phase="pre") == choice
    assert rooms.count(opened.code, Q, "pre") == 1
    assert rooms.answers(opened.code, opened.secret, Q, "pre") == [RIGHT]
    assert rows(db, Student) == 1 and rooms.state(opened.code).students == 1


@pytest.mark.parametrize("raw", [4, -1, True, 1.0, "1", None, [1]])
def test_an_answer_outside_its_question_is_refused(db, raw):
    opened = rooms.create()
    rooms.phase(opened.code, opened.secret, "pre")
    with pytest.raises(ClassError, match="is one of 4 options"):
        rooms.answer(opened.code, token(), Q, raw, phase="pre")
    assert rooms.count(opened.code, Q, "pre") == 0


def test_unknown_questions_and_closed_checks_are_refused(db):
    opened = rooms.create()
    with pytest.raises(ClassError, match="not one FFN Lab asks"):
        rooms.answer(opened.code, token(), "no-such-question", 0)
    with pytest.raises(ClassError, match="closed this concept check"):
        rooms.answer(opened.code, token(), Q, 0, phase="post")  # the room is live, not in its post check


def test_forty_students_at_once_are_counted_exactly(db):
    opened = rooms.create()
    rooms.phase(opened.code, opened.secret, "pre")
    errors = []

    def student(i):
        try:
            rooms.answer(opened.code, token(i), Q, i % 4, phase="pre")
            rooms.answer(opened.code, token(i), Q, (i + 1) % 4, phase="pre")  # each changes their mind once
        except Exception as err:  # noqa: BLE001 (collected and asserted below)
            errors.append(err)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rooms.count(opened.code, Q, "pre") == 40 == rooms.state(opened.code).students
    assert sorted(rooms.answers(opened.code, opened.secret, Q, "pre")) == sorted((i + 1) % 4 for i in range(40))


def test_the_student_cap_holds(db, monkeypatch):
    monkeypatch.setenv("FFNLAB_CLASS_CAP", "3")
    opened = rooms.create()
    for i in range(3):
        rooms.join(opened.code, token(i))
    rooms.join(opened.code, token(0))  # a student coming back is no new student
    with pytest.raises(ClassError, match="is full"):
        rooms.join(opened.code, token(3))
    assert rooms.state(opened.code).students == 3 == rows(db, Student)


def test_reveal_and_move_reach_the_state_students_poll(db):
    opened = rooms.create()
    before = rooms.state(opened.code)
    rooms.reveal(opened.code, opened.secret, Q)
    after = rooms.move(opened.code, opened.secret, "tour", 3)
    assert Q in after.revealed and (after.page, after.step) == ("tour", 3) and after.version == before.version + 2
    with pytest.raises(ClassError, match="not a page"):
        rooms.move(opened.code, opened.secret, "../etc/passwd")


def test_the_concept_check_gives_pre_post_and_hakes_gain(db):
    opened = rooms.create()
    wrong = (RIGHT + 1) % 4
    rooms.phase(opened.code, opened.secret, "pre")
    for i in range(4):  # 1 of 4 right before
        rooms.answer(opened.code, token(i), Q, RIGHT if i == 0 else wrong, phase="pre")
    rooms.phase(opened.code, opened.secret, "post")
    for i in range(4):  # 3 of 4 right after
        rooms.answer(opened.code, token(i), Q, wrong if i == 0 else RIGHT, phase="post")
    row = next(r for r in rooms.results(opened.code, opened.secret) if r.qid == Q)
    assert (row.pre.percent, row.post.percent) == (25.0, 75.0)
    assert row.gain == pytest.approx((75 - 25) / (100 - 25))
    table = rooms.export_csv(opened.code, opened.secret).splitlines()
    assert f"check,{Q},,,,4,25.000,4,75.000,0.667" in table
    assert "check,overall,,,,4,25.000,4,75.000,0.667" in table
    assert f"answers,{Q},pre,{json.dumps(wrong)},3,,,,," in table
    assert not any(token(0) in line for line in table)  # no student ids leave the database


def test_close_deletes_the_room_and_its_answers(db):
    opened = rooms.create()
    rooms.phase(opened.code, opened.secret, "pre")
    rooms.answer(opened.code, token(), Q, 0, phase="pre")
    rooms.close(opened.code, opened.secret)
    assert (rows(db, Room), rows(db, Student), rows(db, Answer)) == (0, 0, 0)
    with pytest.raises(ClassError, match="No class is open"):
        rooms.state(opened.code)


def test_an_unreachable_database_says_so_fast(monkeypatch):
    monkeypatch.setenv("FFNLAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    import time
    try:
        with pytest.raises(database.Unavailable, match="cannot be reached"):
            rooms.join("ACEFHJ", token())
        t0 = time.monotonic()
        with pytest.raises(database.Unavailable):  # the next call does not wait on the dead server again
            rooms.join("ACEFHJ", token())
        assert time.monotonic() - t0 < 0.1
    finally:
        database.forget()
