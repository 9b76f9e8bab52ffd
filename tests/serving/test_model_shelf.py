"""The shelf of loaded models: least recently used out first, under a cap in MB, one load at a time.
The models here are stand-ins with a size (the test is about the bookkeeping, not about loading)."""
import threading
import time

import pytest

from serving.model_shelf import Shelf


def shelf(cap_mb: float, sizes: dict[str, float], loads: list[str]) -> Shelf:
    def load(key: str) -> tuple[str, float]:
        loads.append(key)
        if key not in sizes:
            raise FileNotFoundError(key)
        return key, sizes[key]
    return Shelf(cap_mb, load, lambda model: model[1])


def test_models_stay_while_they_fit_and_the_least_recently_used_goes_first():
    loads: list[str] = []
    s = shelf(1000, {"small": 100, "a": 600, "b": 600}, loads)
    assert s.get("small") == ("small", 100) and s.get("a") == ("a", 600)
    assert s.keys() == ["small", "a"] and s.used_mb() == 700
    s.get("small")  # used again: now "a" is the least recently used
    s.get("b")  # 1,300 MB would not fit: "a" is put away, the small one stays
    assert s.keys() == ["small", "b"] and loads == ["small", "a", "b"]
    s.get("a")
    assert s.keys() == ["a"] and loads == ["small", "a", "b", "a"]  # two more needed room


def test_a_failed_load_leaves_the_shelf_as_it_was():
    loads: list[str] = []
    s = shelf(1000, {"a": 600}, loads)
    s.get("a")
    with pytest.raises(FileNotFoundError):
        s.get("missing")
    assert s.keys() == ["a"]
    with pytest.raises(FileNotFoundError):
        s.get("missing")  # not remembered as failed: fixing the file and retrying works
    assert loads == ["a", "missing", "missing"]


def test_one_load_at_a_time_and_no_wait_for_a_model_on_the_shelf():
    loads: list[str] = []
    release = threading.Event()

    def load(key: str):
        if key == "big":
            release.wait(10)  # a long load, until the test lets it finish
        loads.append(key)
        return key, 10

    s = Shelf(1000, load, lambda model: model[1])
    s.get("small")
    results = []
    threads = [threading.Thread(target=lambda: results.append(s.get("big"))) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert s.get("small") == ("small", 10) and "big" not in loads  # handed out while "big" is still loading
    release.set()
    for t in threads:
        t.join()
    assert loads == ["small", "big"] and results == [("big", 10), ("big", 10)]  # two sessions, one load
