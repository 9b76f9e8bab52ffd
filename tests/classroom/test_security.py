"""A join code gives student rights only: every teacher action fails without the teacher's secret,
and one room's secret opens no other room. The rate limits hold."""
from __future__ import annotations

import pytest

from classroom import limits, rooms
from classroom.rooms import NotTeacher

Q = "check-moe"

ACTIONS = {
    "reveal": lambda code, secret: rooms.reveal(code, secret, Q),
    "move": lambda code, secret: rooms.move(code, secret, "tour", 2),
    "show a question": lambda code, secret: rooms.show(code, secret, Q),
    "open the concept check": lambda code, secret: rooms.phase(code, secret, "pre"),
    "results before the reveal": lambda code, secret: rooms.answers(code, secret, Q, "live"),
    "the concept check's results": lambda code, secret: rooms.results(code, secret),
    "download": lambda code, secret: rooms.export_csv(code, secret),
    "close": lambda code, secret: rooms.close(code, secret),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_each_teacher_action_needs_the_secret(db, action):
    mine, other = rooms.create(), rooms.create()
    rooms.join(mine.code, "student-token-00000001")
    before = rooms.state(mine.code)
    wrong = [None, "", mine.code, other.secret, mine.secret[:-2], mine.secret + "x", 123, ["x"]]
    for secret in wrong:
        with pytest.raises(NotTeacher, match="Only the class's teacher"):
            ACTIONS[action](mine.code, secret)
    after = rooms.state(mine.code)  # nothing changed, and the room is still open
    assert after == before and not after.revealed
    ACTIONS[action](mine.code, mine.secret)  # the teacher can


def test_rate_windows_refuse_the_excess_and_recover():
    w = limits.Window(3, 10.0)
    assert [w.allow(now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert w.wait(now=3) == pytest.approx(7.0)
    assert w.allow(now=10.0) and not w.allow(now=10.5)
