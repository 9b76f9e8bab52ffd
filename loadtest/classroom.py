"""Class mode under load: rooms of simulated students (protocol clients, protocol_client.py) on
one server with SQLite, or on two servers sharing one PostgreSQL.

Each room has a teacher session on /class, whose live view polls every second as a browser's timer
makes it, and N students who join by ?class=<code> on the Why attention page, poll their follow
fragment every second as a browser does, and answer its XOR prediction at a random moment within
the same 5 s. An answer's round trip runs from the submit to the page's 'Sent to the class', which
the page writes only after the answer is committed. Afterwards the teacher's count must read
N of N and the database must hold exactly N answers.

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


async def student(url: str, room: Room, idx: int, arrive_by: float, answer_at: float, stop: asyncio.Event) -> None:
    rng = random.Random(idx)
    s = StreamlitSession(url, keep_query=True)
    try:
        await asyncio.sleep(max(0.0, arrive_by - time.monotonic()) * rng.random())
        await s.connect()
        first = await s.open_page("why_ffn", f"class={room.code}")
        room.errors.extend(first.exceptions)
        follow = _fragment_of(first, r"In class \*\*")
        answered = False
        while not stop.is_set():
            if not answered and time.monotonic() >= answer_at:
                result = await s.submit_number(INPUT, float(rng.randrange(0, 201)) / 2, FORM, until=SENT)
                room.errors.extend(result.exceptions)
                if result.seen_at is None:
                    room.errors.append(f"student {idx}: no '{SENT}' after the answer")
                else:
                    room.round_trips.append(result.seen_at)
                answered = True
                follow = next(iter(result.fragment_ids), follow)  # the closer-looking follower now
                continue
            t0 = time.perf_counter()
            result = await s.poll(follow)
            room.polls.append(time.perf_counter() - t0)
            room.errors.extend(result.exceptions)
            await asyncio.sleep(0.5 if answered else 1.0)
    except Exception as err:  # noqa: BLE001
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


async def run_class(urls: list[str], rooms: list[Room], arrive_s: float) -> None:
    await warm_up(urls)
    stop = asyncio.Event()
    start = time.monotonic()
    answer_from = start + arrive_s + 5.0  # everyone has joined and is polling
    tasks = []
    for room in rooms:
        tasks.append(asyncio.create_task(teacher(urls[-1], room, stop)))
        for i in range(room.students):
            answer_at = answer_from + random.Random(f"{room.code}{i}").uniform(0, WINDOW_S)
            tasks.append(asyncio.create_task(student(urls[i % len(urls)], room, i, start + arrive_s, answer_at, stop)))
    await asyncio.sleep(answer_from + WINDOW_S + 6.0 - time.monotonic())  # answers, then the count settles
    stop.set()
    await asyncio.gather(*tasks)


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
    report = {
        "rooms": args.rooms, "students_per_room": args.students, "replicas": args.replicas,
        "database": "postgresql" if args.replicas > 1 else "sqlite",
        "answers": len(trips), "answer_p50_ms": round(percentile(trips, 0.5) * 1000) if trips else None,
        "answer_p95_ms": round(percentile(trips, 0.95) * 1000) if trips else None,
        "poll_p95_ms": round(percentile(polls, 0.95) * 1000) if polls else None,
        "errors": sum(len(r.errors) for r in rooms), "first_errors": [e for r in rooms for e in r.errors][:5],
        "counts_exact": all(r.stored == r.students and r.teacher_count == f"{r.students} of {r.students}" for r in rooms),
        "teacher_counts": sorted({r.teacher_count for r in rooms}), "stored": sorted({r.stored for r in rooms}),
        "server_uss_mb_before": before, "server_uss_mb_after": after,
        # the servers' CPU over the whole class (joins, polls, answers), per poll: what one polling student costs
        "server_cpu_s": [round(c, 1) for c in cpu], "polls": len(polls),
        "cpu_ms_per_poll": round(1000 * sum(cpu) / max(1, len(polls)), 1),
        # the simulated students share the machine: their process's CPU, as cores over the run
        "clients_cores": round(clients / wall, 2), "servers_cores": round(sum(cpu) / wall, 2),
        "load_average": os.getloadavg(),
    }
    name = f"loadtest-class-{args.rooms}x{args.students}-{args.replicas}.json"
    (ARTIFACTS / name).write_text(json.dumps(report, indent=2))
    print(f"class mode: {args.rooms} room(s) of {args.students} on {args.replicas} server(s) ({report['database']}): "
          f"answer round trip p50 {report['answer_p50_ms']} ms, p95 {report['answer_p95_ms']} ms (target <= 500); "
          f"counts exact: {report['counts_exact']} ({report['teacher_counts']}, stored {report['stored']}); "
          f"errors {report['errors']}; load average {report['load_average'][0]:.1f}")
    return report


if __name__ == "__main__":
    main()
