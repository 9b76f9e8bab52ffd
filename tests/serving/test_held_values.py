"""HeldValues: a session's latest values outlive the shared cache's evictions, and go with it."""
import gc

from serving.held_values import HeldValues


class Value:  # weakly referenceable, as the analyses are
    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes


def held(per_session: int = 2, budget: int = 1000) -> HeldValues:
    return HeldValues("held", per_session=per_session, budget_bytes=budget, size=lambda v: v.nbytes)


def test_a_held_value_is_found_by_every_session_until_its_session_lets_go():
    values, state = held(), {}
    v = Value(10)
    assert values.hold("a", v, state)
    del v
    gc.collect()
    assert values.get("a") is not None  # the session's state keeps it alive for everyone
    state.clear()  # the session is dropped
    gc.collect()
    assert values.get("a") is None


def test_a_session_holds_only_its_latest_values():
    values, state = held(per_session=2), {}
    for key in "abc":
        values.hold(key, Value(10), state)
    gc.collect()
    assert list(state["held"]) == ["b", "c"]
    assert values.get("a") is None and values.get("c") is not None
    values.hold("b", state["held"]["b"], state)  # shown again: it becomes the newest
    values.hold("d", Value(10), state)
    assert list(state["held"]) == ["b", "d"]


def test_values_past_the_budget_are_not_held():
    values, first, second = held(budget=100), {}, {}
    assert values.hold("big", Value(80), first)
    assert not values.hold("more", Value(30), second)  # 110 bytes would be alive
    assert "held" not in second
    assert values.hold("big", first["held"]["big"], second)  # already alive: holding it costs nothing
    assert values.live_bytes() == 80


def test_outside_a_session_nothing_is_held():
    values = held()
    v = Value(10)
    assert not values.hold("a", v, None)
    assert values.get("a") is v  # still findable while the caller (the cache) keeps it
    del v
    gc.collect()
    assert values.get("a") is None
