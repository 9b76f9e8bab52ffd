"""Giving freed heap memory back to the operating system."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def trim_heap() -> bool:
    """Hand freed heap memory back to the operating system; True if the C library could.

    Works around: glibc's malloc keeps memory freed in the middle of its heap for reuse,
    so it still counts as resident. Loading the model (the tokenizer's JSON parse, the
    GGUF reader's scratch) leaves tens of MB of such free memory that no later
    allocation of this server may need; `malloc_trim` returns those pages. Elsewhere
    (musl, macOS) it is a no-op.
    Test: tests/serving/test_process.py (more than 50 MB come back).
    """
    fn = _malloc_trim()
    return bool(fn is not None and fn(0) is not None)
