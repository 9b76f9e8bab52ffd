"""heap.trim gives freed malloc memory back to the operating system (glibc)."""
import ctypes
import sys

import pytest

from model import heap


def _rss_anon_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssAnon:")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and needs glibc")
def test_trim_returns_memory_freed_in_the_middle_of_the_heap():
    blocks = [ctypes.create_string_buffer(4000) for _ in range(25_000)]  # 100 MB through malloc
    keep = blocks[-1]  # a live block at the top stops malloc from shrinking the heap by itself
    del blocks
    before = _rss_anon_mb()
    assert heap.trim()
    assert before - _rss_anon_mb() > 50
    assert keep.raw[:1] == b"\x00"
