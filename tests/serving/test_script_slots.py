"""Admission control for page scripts: no more than N run at once, nesting shares a slot, a
lent slot lets another script in, and taking it back never waits (which could deadlock)."""
import threading
import time

import pytest

from serving.script_slots import ScriptSlots
from tests.concurrency import Gauge, run_threads


@pytest.mark.parametrize("n", [1, 2])
def test_no_more_than_n_scripts_run_at_once(n):
    slots, gauge = ScriptSlots(n), Gauge()

    def script():
        with slots.held():
            with slots.held():  # nested: the same slot, no second acquire (would deadlock at n=1)
                gauge.busy()

    run_threads([script] * 6)
    assert gauge.peak == n


def test_a_lent_slot_lets_another_script_in_and_is_taken_back_without_waiting():
    """The deadlock Streamlit's cache can make: A computes a value and lends its slot while it
    waits for a forward pass; B takes the slot and waits for A's value. A must finish anyway."""
    slots, b_in, a_done, order = ScriptSlots(1), threading.Event(), threading.Event(), []

    def a():
        with slots.held():
            with slots.lent():
                assert b_in.wait(5)  # B got in while A waited
            order.append("A computed")  # B holds the only slot: A goes on without one
            a_done.set()

    def b():
        time.sleep(0.05)
        with slots.held():
            b_in.set()
            assert a_done.wait(5)
            order.append("B read A's value")

    run_threads([a, b])
    assert order == ["A computed", "B read A's value"]
    with slots.held():  # both slots' worth came back: exactly one is free again
        assert not slots._semaphore.acquire(blocking=False)


def test_a_slot_comes_back_after_an_error():
    slots = ScriptSlots(1)
    with pytest.raises(RuntimeError):
        with slots.held():
            raise RuntimeError("a script failed")
    done = []

    def next_script():
        with slots.held():
            done.append(True)

    run_threads([next_script], timeout=2)
    assert done


def test_lent_outside_a_script_does_nothing():
    slots = ScriptSlots(1)
    with slots.lent():
        pass
    with slots.held():
        assert not slots._semaphore.acquire(blocking=False)
