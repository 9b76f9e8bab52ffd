"""A student's answer in class, spoken to a real server as a browser speaks (the protocol client):
locking it in reruns the question's box alone, not the page's figures; the page's follower then
looks twice as often (its browser timer retimed, not the page redrawn); and the teacher's reveal
reaches the page through that follower, which reruns the page to draw it."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from classroom import database, rooms
from loadtest.protocol_client import StreamlitSession
from testkit import ARTIFACTS
from testkit.server import start_streamlit

pytestmark = pytest.mark.deploy

PID = "xor-no-activation"  # a number prediction, on the Why attention page
FORM, INPUT, SENT = f"prediction-form-{PID}", f"predict.{PID}.input", "Sent to the class"
FOLLOWER = "In class **"  # the follower's caption


@pytest.fixture
def class_server(tmp_path, warm_caches, monkeypatch):
    """A server whose rooms live in a fresh SQLite file, which this process opens rooms in too."""
    url = f"sqlite:///{tmp_path / 'rooms.sqlite3'}"
    monkeypatch.setenv("FFNLAB_DATABASE_URL", url)
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "streamlit-class-answer.log", "w") as log:
        proc, server = start_streamlit(log=log, env={"FFNLAB_DATABASE_URL": url})
        try:
            yield server
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            database.forget()


def _follower(result) -> str:
    return next(f for text, f in result.text_fragments.items() if FOLLOWER in text and f)


async def _class(url: str, opened) -> dict:
    s = StreamlitSession(url, keep_query=True)
    await s.connect()
    try:
        joined = await s.open_page("why_ffn", f"class={opened.code}")
        follower = _follower(joined)
        before = s.intervals.get(follower)
        answered = await s.submit_number(INPUT, 40.0, FORM, until=SENT)
        after = s.intervals.get(follower)
        stored = rooms.count(opened.code, PID)
        rooms.reveal(opened.code, opened.secret, PID)
        time.sleep(0.3)  # past the 0.25 s a server shares a room's state (membership.FRESH_S)
        revealed = await s.poll(follower)
        return {"joined": joined, "answered": answered, "revealed": revealed, "before": before, "after": after,
                "stored": stored, "later": s.intervals.get(_follower(revealed))}
    finally:
        await s.close()


def test_an_answer_reruns_its_box_and_the_reveal_reruns_the_page(class_server):
    opened = rooms.create()
    out: list = []  # in a thread of its own, as the other protocol tests (a browser fixture may hold a loop here)
    worker = threading.Thread(target=lambda: out.append(asyncio.run(_class(class_server, opened))))
    worker.start()
    worker.join(timeout=180)
    r = out[0]
    joined, answered, revealed = r["joined"], r["answered"], r["revealed"]
    assert not (joined.exceptions or answered.exceptions or revealed.exceptions)
    assert not joined.fragment and "plotly_chart" in joined.elements  # the page's figures, drawn once
    # the answer: one fragment rerun, acknowledged only after the commit, with none of the figures
    assert answered.fragment and answered.seen_at is not None and r["stored"] == 1
    assert "plotly_chart" not in answered.elements and len(answered.elements) < len(joined.elements) / 3
    assert any(f"{SENT}: 40.0%" in t for t in answered.texts)
    # the page's follower, drawn at 1 s, was retimed to 0.5 s by the answer's box; the reveal's full
    # run draws the follower at its own 1 s again
    assert (r["before"], r["after"], r["later"]) == (1.0, 0.5, 1.0)
    assert any("The answer, computed" in t for t in revealed.texts)
    assert "plotly_chart" in revealed.elements  # the reveal reran the page: the view it settles is drawn
