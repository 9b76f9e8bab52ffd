"""The forward-pass queue: a request runs at once when a slot is free, requests that wait
together share one batch (same key, within the budget, in arrival order), and an error fails
only the request that caused it."""
import threading
import time

import pytest

from serving.forward_slots import ForwardSlots
from tests.concurrency import Gauge, run_threads


class Recorder:
    """A run_batch that records each batch it computes and answers item * 10."""

    def __init__(self):
        self.batches: list[list] = []

    def __call__(self, items: list) -> list:
        if "bad" in items:
            raise ValueError("bad item")
        self.batches.append(list(items))
        return [item * 10 for item in items]


def queue_up(slots: ForwardSlots, requests: list[tuple], run_batch) -> tuple[list[threading.Thread], dict]:
    """Start one thread per (key, item, size), each waiting in `slots` in this order."""
    answers: dict = {}

    def ask(key, item, size):
        try:
            answers[item] = slots.run(key, item, run_batch, size=size)
        except Exception as err:
            answers[item] = err

    threads = []
    for n, (key, item, size) in enumerate(requests, start=1):
        threads.append(threading.Thread(target=ask, args=(key, item, size)))
        threads[-1].start()
        wait_until(lambda: slots.waiting() == n)  # arrival order is the order given
    return threads, answers


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_request_with_a_free_slot_runs_alone_at_once():
    slots, run = ForwardSlots(2, batch_budget=100), Recorder()
    assert slots.run("m", 1, run) == 10
    with slots:  # one slot busy, one free
        assert slots.run("m", 2, run) == 20
    assert run.batches == [[1], [2]] and slots.batch_sizes == {1: 2}


def test_requests_that_wait_together_share_one_batch():
    slots, run = ForwardSlots(1, batch_budget=100), Recorder()
    with slots:  # the only slot is busy: everyone queues
        threads, answers = queue_up(slots, [("m", 1, 5), ("other", 2, 5), ("m", 3, 5), ("m", 4, 5)], run)
    for t in threads:
        t.join(10)
    assert answers == {1: 10, 2: 20, 3: 30, 4: 40}
    # the front request takes the others of its key along; the other model's text runs next
    assert run.batches == [[1, 3, 4], [2]] and slots.batch_sizes == {3: 1, 1: 1}


def test_a_batch_stays_within_its_budget_and_size():
    slots, run = ForwardSlots(1, batch_budget=100, max_batch=3), Recorder()
    with slots:
        # 40 + 40 fits (2 x 40), a third of 40 would not (3 x 40 = 120 > 100); then 10s, at most 3
        threads, _ = queue_up(slots, [("m", 1, 40), ("m", 2, 40), ("m", 3, 40), ("m", 4, 10), ("m", 5, 10),
                                      ("m", 6, 10)], run)
    for t in threads:
        t.join(10)
    assert run.batches == [[1, 2], [3, 4], [5, 6]]


def test_an_error_fails_only_its_own_request():
    slots, run = ForwardSlots(1, batch_budget=100), Recorder()
    with slots:
        threads, answers = queue_up(slots, [("m", 1, 1), ("m", "bad", 1), ("m", 3, 1)], run)
    for t in threads:
        t.join(10)
    assert answers[1] == 10 and answers[3] == 30
    assert isinstance(answers["bad"], ValueError)
    with pytest.raises(ValueError):
        slots.run("m", "bad", run)
    assert slots.run("m", 7, run) == 70  # the slot came back after each failure


def test_no_more_passes_at_once_than_slots():
    slots, gauge = ForwardSlots(2, batch_budget=1), Gauge()

    def slow(items):
        gauge.busy()
        return items

    run_threads([lambda i=i: slots.run("m", i, slow) for i in range(8)])
    assert gauge.peak == 2 and slots.waiting() == 0
