"""Class mode on two replicas sharing one PostgreSQL (started here from Debian's package), as the
compose file and the Kubernetes overlays run it: students on either replica and the teacher on the
other see the same counts, through the production nginx configuration; and a replica killed with
SIGKILL mid-class loses no acknowledged answer while the room goes on from the other."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from classroom import database, rooms
from classroom.schema import Answer, Student
from loadtest.protocol_client import StreamlitSession
from testkit import ARTIFACTS, postgres
from testkit.browser import open_page, wait_until_idle
from testkit.server import free_port, launch_streamlit, wait_healthy
from tests.deploy.test_deploy import _upstreams_by_route, render_nginx

pytestmark = pytest.mark.deploy
PID = "xor-no-activation"
FORM, INPUT, SENT = f"prediction-form-{PID}", f"predict.{PID}.input", "Sent to the class"


@pytest.fixture
def replicas(tmp_path, warm_caches, monkeypatch):
    """Two servers on one PostgreSQL, and nginx in front of them with the production template."""
    with postgres.running() as url:
        monkeypatch.setenv("FFNLAB_DATABASE_URL", url)
        ports, procs = [free_port(), free_port()], []
        try:
            for i, port in enumerate(ports):
                log = open(ARTIFACTS / f"streamlit-class-replica-{i}.log", "w")
                procs.append(launch_streamlit(port, log=log, env={"FFNLAB_DATABASE_URL": url})[0])
            for proc, port in zip(procs, ports):
                wait_healthy(f"http://127.0.0.1:{port}", proc)
            listen, access = free_port(), tmp_path / "access.log"
            conf = render_nginx(listen, ports, access, tmp_path)
            lb = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"],
                                  stderr=open(tmp_path / "nginx.stderr", "w"))
            procs.append(lb)
            wait_healthy(f"http://127.0.0.1:{listen}", lb)
            yield {"lb": f"http://127.0.0.1:{listen}", "access": access, "procs": procs[:2],
                   "urls": [f"http://127.0.0.1:{p}" for p in ports]}
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
                    p.wait(timeout=30)
            database.forget()


def test_students_on_both_replicas_and_the_teacher_see_one_count(replicas, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    teacher = browser.new_context(viewport={"width": 1400, "height": 2000}).new_page()
    open_page(teacher, replicas["lb"] + "/class")
    teacher.get_by_role("button", name="Start a class").click()
    code = teacher.locator(".st-key-class-code .join-code").inner_text().strip()
    students = []
    for i in range(6):  # each its own cookie, so nginx spreads them over both replicas
        page = browser.new_context(viewport={"width": 1200, "height": 1600}).new_page()
        open_page(page, f"{replicas['lb']}/why_ffn?class={code}")
        box = page.locator(f".st-key-predict-{PID}")
        box.locator("input[type=number]").focus()
        page.keyboard.type(str(10 * (i + 1)))
        page.keyboard.press("Enter")
        box.get_by_text(SENT).wait_for(timeout=60_000)
        students.append(page)
    teacher.locator(".st-key-class-count").get_by_text("6 of 6").wait_for(timeout=10_000)
    routes = _upstreams_by_route(replicas["access"])
    used = {u for ups in routes.values() for u in ups}
    assert all(len(ups) == 1 for ups in routes.values()) and len(used) == 2, routes  # both replicas served
    assert rooms.count(code, PID) == 6 and sorted(rooms.answers(code, _secret(teacher), PID)) == [10.0 * i for i in range(1, 7)]
    for page in [teacher, *students]:
        page.context.close()


def _secret(page) -> str:
    """The teacher's secret, from the teacher link the dashboard offers in its expander."""
    page.get_by_text("Teacher link").click()
    link = page.locator("pre code").filter(has_text="teach=").inner_text()
    return re.search(r"teach=([\w-]+)", link).group(1)


async def _answer(s: StreamlitSession, value: float) -> bool:
    result = await s.submit_number(INPUT, value, FORM, until=SENT)
    return result.seen_at is not None and not result.exceptions


def _stored() -> dict[str, float]:
    with database.transaction() as s:
        return {token: float(value) for token, value in
                s.execute(select(Student.token, Answer.value).join(Answer, Answer.student_id == Student.id))}


def test_a_killed_replica_loses_no_acknowledged_answer(replicas):
    opened = rooms.create()
    a, b = replicas["urls"]
    acked: dict[str, float] = {}

    async def scenario() -> tuple[list[StreamlitSession], str]:
        on_a = [StreamlitSession(a, keep_query=True) for _ in range(4)]
        on_b = [StreamlitSession(b, keep_query=True) for _ in range(4)]
        for i, s in enumerate(on_a + on_b):
            await s.connect()
            await s.open_page("why_ffn", f"class={opened.code}")
        tokens = [re.search(r"me=([\w-]+)", s.query).group(1) for s in on_a + on_b]
        for i, s in enumerate(on_a[:2] + on_b):  # answers acknowledged before the kill
            if await _answer(s, 20.0 + i):
                acked[tokens[on_a.index(s) if s in on_a else 4 + on_b.index(s)]] = 20.0 + i
        in_flight = asyncio.create_task(_answer(on_a[2], 99.0))  # one may be mid-way when it dies
        await asyncio.sleep(0.05)
        os.kill(replicas["procs"][0].pid, signal.SIGKILL)
        if await asyncio.gather(in_flight, return_exceptions=True) == [True]:
            acked[tokens[2]] = 99.0
        # A's students come back on B with the same link (?class=&me=): the same students
        again = [StreamlitSession(b, keep_query=True) for _ in on_a]
        for s, token in zip(again, tokens[:4]):
            await s.connect()
            await s.open_page("why_ffn", f"class={opened.code}&me={token}")
        assert await _answer(again[3], 77.0)  # the one who had not answered answers on B
        acked[tokens[3]] = 77.0
        teacher = StreamlitSession(b)
        await teacher.connect()
        shown = await teacher.open_page("class", f"class={opened.code}&teach={opened.secret}")
        for s in on_a + on_b + again + [teacher]:
            await s.close()
        return tokens, next(t for t in shown.texts if re.fullmatch(r"\d+ of \d+", t))

    out: list = []  # in a thread of its own: the browser fixture's Playwright holds this thread's loop
    worker = threading.Thread(target=lambda: out.append(asyncio.run(scenario())))
    worker.start()
    worker.join()
    tokens, count = out[0]
    stored = _stored()
    assert len(acked) >= 7
    for token, value in acked.items():  # every acknowledged answer is there, as acknowledged
        assert stored.get(token) == value, (token, value, stored.get(token))
    # the one answer in flight at the kill may be committed without its acknowledgement reaching
    # the page; nothing else is stored, and nobody is counted twice
    assert {t: v for t, v in stored.items() if t not in acked} in ({}, {tokens[2]: 99.0})
    assert len(stored) == rooms.count(opened.code, PID) and rooms.state(opened.code).students == 8
    assert count == f"{len(stored)} of 8"  # the teacher, on the surviving replica, sees them all
