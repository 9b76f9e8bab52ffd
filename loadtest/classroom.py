"""Class mode under load: rooms of simulated students (protocol clients, protocol_client.py) on
one server with SQLite, or on two servers sharing one PostgreSQL.

Each room has a teacher session on /class, whose live view polls every second as a browser's timer
makes it, and N students who join by ?class=<code> on the Why attention page, poll their follow
fragment as often as its timer says (run_every, as a browser does), and answer its XOR prediction at a random moment within
the same 5 s. An answer's round trip runs from the submit to the page's 'Sent to the class', which
the page writes only after the answer is committed. A student who is still joining or polling at
their moment answers as soon as they can: the run waits for every answer (up to ANSWER_DEADLINE_S
after the window) instead of ending on a clock, and an answer not acknowledged by then is an error.
Then the teacher's view polls until it reads every acknowledged answer (up to SETTLE_DEADLINE_S).
A room's count is exact when all N students' answers were acknowledged, the database holds exactly
those N, and the teacher's count reads N of N.

Run: .venv/bin/python -m loadtest.classroom                           # 40 students, SQLite, 1 server
     .venv/bin/python -m loadtest.classroom --replicas 2               # PostgreSQL shared by 2 servers
     .venv/bin/python -m loadtest.classroom --replicas 2 --rooms 10    # 10 rooms of 40
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import tempfile
import time
from dataclasses import dataclass, field

import psutil

from loadtest.protocol_client import StreamlitSession
from testkit import ARTIFACTS
from testkit.server import launch_streamlit, wait_healthy
from testkit.stats import percentile

PID = "xor-no-activation"
FORM = f"prediction-form-{PID}"
INPUT = f"predict.{PID}.input"
SENT = "Sent to the class"
COUNT = re.compile(r"^(\d+) of (\d+)$")
WINDOW_S = 5.0  # every student answers within the same 5 s
ANSWER_DEADLINE_S = 60.0  # after the window: an answer still not acknowledged is an error
SETTLE_DEADLINE_S = 10.0  # after the last answer: the teacher's view must read them all by then
AFTER_S = 3.0  # the pages go on polling this long after the teacher read every answer


@dataclass
class Room:
    code: str
    secret: str
    students: int
    round_trips: list[float] = field(default_factory=list)
    polls: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    teacher_count: str = ""
    stored: int = -1
    joins: list[float] = field(default_factory=list)  # seconds each student's first page took
    acknowledged: int = 0  # answers the page said were sent (committed)
    unanswered: list[str] = field(default_factory=list)  # students whose answer was not acknowledged, and why

    def exact(self) -> bool:
        return self.acknowledged == self.students == self.stored and \
            self.teacher_count == f"{self.students} of {self.students}"


def _fragment_of(result, pattern: str) -> str:
    for text, fragment in result.text_fragments.items():
        if re.search(pattern, text) and fragment:
            return fragment
    raise RuntimeError(f"no fragment sent a text matching {pattern!r}: {list(result.text_fragments)[:8]}")


async def teacher(url: str, room: Room, stop: asyncio.Event) -> None:
    s = StreamlitSession(url)
    try:
        await s.connect()
        first = await s.open_page("class", f"class={room.code}&teach={room.secret}")
        room.errors.extend(first.exceptions)
        live = _fragment_of(first, COUNT.pattern)
        while not stop.is_set():
            result = await s.poll(live)
            room.errors.extend(result.exceptions)
            room.teacher_count = next((t for t in result.texts if COUNT.match(t)), room.teacher_count)
            await asyncio.sleep(1.0)
    except Exception as err:  # noqa: BLE001 (a dropped connection is a load-test error)
        room.errors.append(f"teacher: {type(err).__name__}: {err}")
    finally:
        await s.close()


async def student(url: str, room: Room, idx: int, arrive_by: float, answer_at: float, stop: asyncio.Event,
                  done: asyncio.Queue) -> None:
    """Join, poll, answer at `answer_at` (or as soon as the page is free after it), go on polling until
    `stop`. Puts (room, idx, acknowledged) on `done` once the answer is acknowledged or has failed."""
    rng = random.Random(idx)
    s = StreamlitSession(url, keep_query=True)
    stage = "connecting"
    answered = False

    def fail(why: str) -> None:
        nonlocal answered
        room.unanswered.append(f"student {idx}: {why}")
        room.errors.append(f"student {idx}: {why}")
        answered = True
        done.put_nowait((room, idx, False))

    try:
        await asyncio.sleep(max(0.0, arrive_by - time.monotonic()) * rng.random())
        await s.connect()
        stage = "joining"
        first = await s.open_page("why_ffn", f"class={room.code}")
        room.joins.append(first.seconds)
        room.errors.extend(first.exceptions)
        follow = _fragment_of(first, r"In class \*\*")
        stage = "polling"
        while not (answered and stop.is_set()):
            if not answered and time.monotonic() >= answer_at:
                stage = "answering"
                result = await s.submit_number(INPUT, float(rng.randrange(0, 201)) / 2, FORM, until=SENT)
                room.errors.extend(result.exceptions)
                if result.seen_at is None:
                    fail(f"no '{SENT}' after the answer")
                else:
                    room.round_trips.append(result.seen_at)
                    room.acknowledged += 1
                    answered = True
                    done.put_nowait((room, idx, True))
                with contextlib.suppress(RuntimeError):  # a full rerun draws the follower anew
                    follow = _fragment_of(result, r"In class \*\*")
                stage = "polling"
                continue
            t0 = time.perf_counter()
            result = await s.poll(follow)
            room.polls.append(time.perf_counter() - t0)
            room.errors.extend(result.exceptions)
            await asyncio.sleep(s.intervals.get(follow, 1.0))  # the follower's own timer, as in a browser
    except asyncio.CancelledError:
        if not answered:
            fail(f"answer not acknowledged within {ANSWER_DEADLINE_S:.0f} s of the window (still {stage})")
        raise
    except Exception as err:  # noqa: BLE001 (a dropped connection is a load-test error)
        if not answered:
            fail(f"{type(err).__name__} while {stage}: {err}")
        else:
            room.errors.append(f"student {idx}: {type(err).__name__}: {err}")
    finally:
        await s.close()


async def warm_up(urls: list[str]) -> None:
    """A server's first visitors import what the pages use; a class arrives after them, not with them
    (400 sessions importing at once once met a half-imported numpy in one thread)."""
    for url in urls:
        for page in ("why_ffn", "class"):
            s = StreamlitSession(url)
            await s.connect()
            await s.open_page(page)
            await s.close()


def _counted(room: Room) -> int | None:
    """The answers the teacher's view last showed (None: it showed no count)."""
    found = COUNT.match(room.teacher_count)
    return int(found.group(1)) if found else None


async def run_class(urls: list[str], rooms: list[Room], arrive_s: float) -> None:
    await warm_up(urls)
    stop = asyncio.Event()
    done: asyncio.Queue = asyncio.Queue()
    start = time.monotonic()
    answer_from = start + arrive_s + 5.0  # everyone has joined and is polling
    teachers, students = [], {}
    for room in rooms:
        teachers.append(asyncio.create_task(teacher(urls[-1], room, stop)))
        for i in range(room.students):
            answer_at = answer_from + random.Random(f"{room.code}{i}").uniform(0, WINDOW_S)
            students[room.code, i] = asyncio.create_task(
                student(urls[i % len(urls)], room, i, start + arrive_s, answer_at, stop, done))
    # every answer acknowledged or failed, within a bounded time: not a fixed clock that leaves a late
    # student's answer unsent and calls the count wrong
    deadline = answer_from + WINDOW_S + ANSWER_DEADLINE_S
    settled: set[tuple[str, int]] = set()
    while len(settled) < len(students):
        try:
            room, idx, _ok = await asyncio.wait_for(done.get(), timeout=max(0.0, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        settled.add((room.code, idx))
    for (code, idx), task in students.items():  # still no acknowledgement: an error (their handler says why)
        if (code, idx) not in settled:
            task.cancel()
    # then the teacher's view must read every acknowledged answer, within a bounded time
    settle_by = time.monotonic() + SETTLE_DEADLINE_S
    while time.monotonic() < settle_by and any(_counted(r) != r.acknowledged for r in rooms):
        await asyncio.sleep(0.2)
    await asyncio.sleep(AFTER_S)
    stop.set()
    await asyncio.gather(*students.values(), *teachers, return_exceptions=True)


def server_mb(pids: list[int]) -> list[float]:
    return [round(psutil.Process(p).memory_full_info().uss / 2**20, 1) for p in pids]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rooms", type=int, default=1)
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--replicas", type=int, default=1, help="2 or more: PostgreSQL shared by the servers")
    ap.add_argument("--arrive", type=float, default=20.0, help="seconds over which students join")
    args = ap.parse_args(argv)
    from testkit import postgres
    with contextlib.ExitStack() as stack:
        if args.replicas > 1:
            url = stack.enter_context(postgres.running())
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/rooms.sqlite3"
        os.environ["FFNLAB_DATABASE_URL"] = url
        from classroom import rooms as storage
        opened = [storage.create() for _ in range(args.rooms)]
        rooms = [Room(o.code, o.secret, args.students) for o in opened]
        ARTIFACTS.mkdir(exist_ok=True)
        servers = []
        for i in range(args.replicas):
            log = stack.enter_context(open(ARTIFACTS / f"streamlit-class-load-{i}.log", "w"))
            servers.append(launch_streamlit(log=log, env={"FFNLAB_DATABASE_URL": url}))
        for proc, server_url in servers:
            stack.callback(lambda p=proc: (p.terminate(), p.wait(timeout=30)))
            wait_healthy(server_url, proc)
        urls = [u for _, u in servers]
        before = server_mb([p.pid for p, _ in servers])
        cpu = [sum(psutil.Process(p.pid).cpu_times()[:2]) for p, _ in servers]
        clients = sum(psutil.Process().cpu_times()[:2])
        wall = time.monotonic()
        asyncio.run(run_class(urls, rooms, args.arrive))
        wall = time.monotonic() - wall
        clients = sum(psutil.Process().cpu_times()[:2]) - clients
        cpu = [sum(psutil.Process(p.pid).cpu_times()[:2]) - c for (p, _), c in zip(servers, cpu)]
        after = server_mb([p.pid for p, _ in servers])
        for room in rooms:
            room.stored = storage.count(room.code, PID)
    trips = [t for r in rooms for t in r.round_trips]
    polls = [t for r in rooms for t in r.polls]
    joins = [t for r in rooms for t in r.joins]
    report = {
        "rooms": args.rooms, "students_per_room": args.students, "replicas": args.replicas,
        "database": "postgresql" if args.replicas > 1 else "sqlite",
        "answers": len(trips), "acknowledged": [r.acknowledged for r in rooms],
        "not_acknowledged": [u for r in rooms for u in r.unanswered][:10],
        "join_p95_ms": round(percentile(joins, 0.95) * 1000) if joins else None, "answer_p50_ms": round(percentile(trips, 0.5) * 1000) if trips else None,
        "answer_p95_ms": round(percentile(trips, 0.95) * 1000) if trips else None,
        "poll_p95_ms": round(percentile(polls, 0.95) * 1000) if polls else None,
        "errors": sum(len(r.errors) for r in rooms), "first_errors": [e for r in rooms for e in r.errors][:5],
        # exact: every student's answer acknowledged, exactly those stored, and the teacher's view reads N of N
        "counts_exact": all(r.exact() for r in rooms),
        "teacher_counts": [r.teacher_count for r in rooms], "stored": [r.stored for r in rooms],
        "server_uss_mb_before": before, "server_uss_mb_after": after,
        # the servers' CPU over the whole class (joins, polls, answers), per poll: what one polling student costs
        "server_cpu_s": [round(c, 1) for c in cpu], "polls": len(polls),
        "cpu_ms_per_poll": round(1000 * sum(cpu) / max(1, len(polls)), 1),
        # the simulated students share the machine: their process's CPU, as cores over the run
        "clients_cores": round(clients / wall, 2), "servers_cores": round(sum(cpu) / wall, 2),
        "load_average": os.getloadavg(),
    }
    # issue 32: one room, p95 <= 500 ms besides exact counts and no error; several rooms at once, 0
    # errors and every count exact (a lower p95 welcome, not required)
    one_room = args.rooms == 1
    report["target"] = ("answer p95 <= 500 ms, 0 errors, every count exact" if one_room
                        else "0 errors, every count exact")
    report["target_met"] = report["errors"] == 0 and report["counts_exact"] and \
        (not one_room or (report["answer_p95_ms"] is not None and report["answer_p95_ms"] <= 500))
    name = f"loadtest-class-{args.rooms}x{args.students}-{args.replicas}.json"
    (ARTIFACTS / name).write_text(json.dumps(report, indent=2))
    print(f"class mode: {args.rooms} room(s) of {args.students} on {args.replicas} server(s) ({report['database']}): "
          f"answer round trip p50 {report['answer_p50_ms']} ms, p95 {report['answer_p95_ms']} ms; "
          f"counts exact: {report['counts_exact']} (acknowledged {sorted(set(report['acknowledged']))}, "
          f"stored {sorted(set(report['stored']))}, teacher {sorted(set(report['teacher_counts']))}); "
          f"errors {report['errors']}; target ({report['target']}) "
          f"{'met' if report['target_met'] else 'NOT met'}; load average {report['load_average'][0]:.1f}")
    return report


if __name__ == "__main__":
    main()
