"""The rooms façade: everything a page asks of class mode, none of it SQL.

A join code gives student rights: join, answer, read where the room is and what is revealed.
Every teacher action (show a question, reveal it, move the room, run the concept check, read
results, download, close) takes the teacher's secret and fails without it (NotTeacher).
An answer returned from `answer` is committed: the page may say 'sent'.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from classroom import codes, questions
from classroom.database import Unavailable, transaction
from classroom.gain import QuestionGain, Score, overall
from classroom.schema import Answer, Reveal, Room, Student
from content import concept_check
from model.util import settings

__all__ = ["ClassError", "Unavailable", "create", "join", "answer", "state", "count", "answers", "show",
           "reveal", "move", "phase", "results", "export_csv", "close", "purge_expired", "is_teacher"]

PHASES = ("live", "pre", "post")


class ClassError(ValueError):
    """Something a page shows as it is: a wrong, expired or malformed code, a full room, a bad answer."""


class NotTeacher(ClassError):
    pass


@dataclass(frozen=True)
class Opened:
    code: str
    secret: str  # shown once, to the teacher who opened the room; the database keeps its hash


@dataclass(frozen=True)
class RoomState:
    """What every student's page polls: where the room is and what is revealed."""
    code: str
    page: str
    step: int
    question: str
    phase: str
    version: int
    students: int
    expires: datetime
    revealed: frozenset[str]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite returns naive UTC


def _insert(session: Session, table):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _room(session: Session, raw_code: object, now: datetime | None = None, lock: bool = False) -> Room:
    try:
        code = codes.normalise(raw_code)
    except codes.BadCode as err:
        raise ClassError(str(err)) from None
    query = select(Room).where(Room.code == code)
    room = session.scalar(query.with_for_update() if lock else query)
    if room is None:
        raise ClassError(f"No class is open with the code {code}. Check it against the teacher's screen; "
                         f"a class ends when its teacher closes it or {settings.class_hours()} hours after it starts.")
    if _utc(room.expires) <= (now or _now()):
        raise ClassError(f"The class {code} has ended: classes last {settings.class_hours()} hours. "
                         "Ask the teacher for a new code.")
    return room


def _teacher_room(session: Session, code: object, secret: object, lock: bool = False) -> Room:
    room = _room(session, code, lock=lock)
    if not codes.matches(secret, room.secret_hash):
        raise NotTeacher("Only the class's teacher can do that: open the teacher link to get the rights.")
    return room


def purge_expired(now: datetime | None = None, url: str | None = None) -> int:
    """Delete rooms past their end with every row they hold; how many rooms went."""
    with transaction(url) as s:
        gone = s.scalars(select(Room.id).where(Room.expires <= (now or _now()))).all()
        if gone:
            for table in (Answer, Reveal, Student):  # explicit, whatever the foreign keys' cascade
                s.execute(delete(table).where(table.room_id.in_(gone)))
            s.execute(delete(Room).where(Room.id.in_(gone)))
        return len(gone)


def create(now: datetime | None = None, url: str | None = None) -> Opened:
    """A new room with a fresh code and secret; expired rooms are deleted on the way."""
    now = now or _now()
    purge_expired(now, url)
    secret = codes.new_secret()
    for _ in range(20):  # 34 million codes: a clash with a live room is rare, and then we draw again
        code = codes.new_code()
        with transaction(url) as s:
            if s.scalar(select(Room.id).where(Room.code == code)) is not None:
                continue
            s.add(Room(code=code, secret_hash=codes.digest(secret), created=now,
                       expires=now + timedelta(hours=settings.class_hours()), cap=settings.class_cap(),
                       students=0, page="", step=0, question="", phase="live", version=0))
        return Opened(code, secret)
    raise ClassError("No free class code was found; try again.")


def is_teacher(code: object, secret: object, url: str | None = None) -> bool:
    with transaction(url) as s:
        return codes.matches(secret, _room(s, code).secret_hash)


def _student(s: Session, room: Room, token: str) -> int:
    """The student's row id, joining them first if this is their first visit (within the cap)."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise ClassError("This browser session has no valid student id; reload the page.")
    found = s.scalar(select(Student.id).where(Student.room_id == room.id, Student.token == token))
    if found is not None:
        return found
    # raise the count only below the cap, in one statement: concurrent joins cannot overshoot it
    taken = s.execute(update(Room).where(Room.id == room.id, Room.students < Room.cap)
                      .values(students=Room.students + 1))
    if taken.rowcount == 0:
        raise ClassError(f"The class {room.code} is full ({room.cap} students).")
    s.execute(_insert(s, Student).values(room_id=room.id, token=token)
              .on_conflict_do_nothing(index_elements=["room_id", "token"]))
    return s.scalar(select(Student.id).where(Student.room_id == room.id, Student.token == token))


def join(code: object, token: str, url: str | None = None) -> RoomState:
    """A student enters the room (again, harmlessly); a wrong, ended or full room raises ClassError."""
    with transaction(url) as s:
        room = _room(s, code)
        _student(s, room, token)
    return state(room.code, url)


def state(code: object, url: str | None = None) -> RoomState:
    with transaction(url) as s:
        room = _room(s, code)
        shown = s.scalars(select(Reveal.question).where(Reveal.room_id == room.id)).all()
        return RoomState(room.code, room.page, room.step, room.question, room.phase, room.version,
                         room.students, _utc(room.expires), frozenset(shown))


def answer(code: object, token: str, qid: object, raw: object, phase: str = "live",
           url: str | None = None) -> int | float | tuple[int, ...]:
    """Store a student's answer, replacing their earlier one to the same question in the same phase.
    Returns the answer as stored, once it is committed."""
    if not isinstance(qid, str) or not questions.known(qid):
        raise ClassError("This question is not one FFN Lab asks.")
    if phase not in PHASES or (phase == "live") == (qid in concept_check.CHECK):
        raise ClassError("Concept-check questions are answered in the check, predictions on their pages.")
    try:
        value = questions.validate(qid, raw)
    except ValueError as err:  # the question's own words: "an answer to ... is one of 4 options"
        said = str(err)
        raise ClassError(said[:1].upper() + said[1:] + ("" if said.endswith(".") else ".")) from None
    with transaction(url) as s:
        room = _room(s, code)
        if phase != "live" and room.phase != phase:
            raise ClassError("The teacher has closed this concept check.")
        student = _student(s, room, token)
        stmt = _insert(s, Answer).values(room_id=room.id, student_id=student, question=qid, phase=phase,
                                         value=json.dumps(value), answered=_now())
        s.execute(stmt.on_conflict_do_update(index_elements=["student_id", "question", "phase"],
                                             set_={"value": stmt.excluded.value, "answered": stmt.excluded.answered}))
    return value


def count(code: object, qid: str, phase: str = "live", url: str | None = None) -> int:
    """How many students have answered: a number the whole room may see."""
    with transaction(url) as s:
        room = _room(s, code)
        return s.scalar(select(func.count()).select_from(Answer)
                        .where(Answer.room_id == room.id, Answer.question == qid, Answer.phase == phase))


def _values(s: Session, room: Room, qid: str, phase: str) -> list:
    rows = s.scalars(select(Answer.value).where(Answer.room_id == room.id, Answer.question == qid,
                                                Answer.phase == phase)).all()
    return [tuple(v) if isinstance(v, list) else v for v in map(json.loads, rows)]


def answers(code: object, secret: object, qid: str, phase: str = "live", url: str | None = None) -> list:
    """Every current answer to one question (no student ids): the teacher's distribution."""
    with transaction(url) as s:
        return _values(s, _teacher_room(s, code, secret), qid, phase)


def _act(code: object, secret: object, url: str | None, **values) -> RoomState:
    with transaction(url) as s:
        room = _teacher_room(s, code, secret)
        s.execute(update(Room).where(Room.id == room.id).values(version=Room.version + 1, **values))
    return state(code, url)


def show(code: object, secret: object, qid: str, url: str | None = None) -> RoomState:
    """Put a question on the teacher's screen."""
    if not questions.known(qid):
        raise ClassError("This question is not one FFN Lab asks.")
    return _act(code, secret, url, question=qid)


def reveal(code: object, secret: object, qid: str, url: str | None = None) -> RoomState:
    """Show every student the answer to `qid`."""
    if not questions.known(qid):
        raise ClassError("This question is not one FFN Lab asks.")
    with transaction(url) as s:
        room = _teacher_room(s, code, secret)
        s.execute(_insert(s, Reveal).values(room_id=room.id, question=qid)
                  .on_conflict_do_nothing(index_elements=["room_id", "question"]))
        s.execute(update(Room).where(Room.id == room.id).values(version=Room.version + 1))
    return state(code, url)


def move(code: object, secret: object, page: str, step: int = 0, url: str | None = None) -> RoomState:
    """Send the room to a page (and a tour step); students' pages follow."""
    if page not in questions.pages() or not isinstance(step, int) or not 0 <= step <= 50:
        raise ClassError("That is not a page of FFN Lab.")
    return _act(code, secret, url, page=page, step=step)


def phase(code: object, secret: object, name: str, url: str | None = None) -> RoomState:
    """Open the concept check before the tour (pre), after the quiz (post), or close it (live)."""
    if name not in PHASES:
        raise ClassError("A class is live, or in its pre or post concept check.")
    return _act(code, secret, url, phase=name)


def results(code: object, secret: object, url: str | None = None) -> list[QuestionGain]:
    """The concept check's score per question, before and after."""
    with transaction(url) as s:
        room = _teacher_room(s, code, secret)
        rows = []
        for qid in concept_check.CHECK:
            scores = []
            for when in ("pre", "post"):
                values = _values(s, room, qid, when)
                scores.append(Score(sum(v == concept_check.right(qid) for v in values), len(values)))
            rows.append(QuestionGain(qid, *scores))
        return rows


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def export_csv(code: object, secret: object, url: str | None = None) -> str:
    """Aggregates only: for each question and phase, how many gave each answer; then the concept
    check's scores and gains. No row describes one student."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "question", "phase", "answer", "students", "pre_students", "pre_percent",
                "post_students", "post_percent", "gain"])
    with transaction(url) as s:
        room = _teacher_room(s, code, secret)
        pairs = s.execute(select(Answer.question, Answer.phase).where(Answer.room_id == room.id)
                          .distinct().order_by(Answer.phase, Answer.question)).all()
        for qid, when in pairs:
            for value, n in sorted(Counter(map(json.dumps, _values(s, room, qid, when))).items()):
                w.writerow(["answers", qid, when, value, n, "", "", "", "", ""])
    rows = results(code, secret, url)
    for r in rows:
        w.writerow(["check", r.qid, "", "", "", r.pre.answered, _number(r.pre.percent),
                    r.post.answered, _number(r.post.percent), _number(r.gain)])
    pre, post, g = overall(rows)
    w.writerow(["check", "overall", "", "", "", sum(r.pre.answered for r in rows), _number(pre),
                sum(r.post.answered for r in rows), _number(post), _number(g)])
    return out.getvalue()


def close(code: object, secret: object, url: str | None = None) -> None:
    """End the room now: it and every answer it holds are deleted."""
    with transaction(url) as s:
        room = _teacher_room(s, code, secret)
        for table in (Answer, Reveal, Student):
            s.execute(delete(table).where(table.room_id == room.id))
        s.execute(delete(Room).where(Room.id == room.id))
