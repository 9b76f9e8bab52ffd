"""Hand freed heap memory back to the operating system.

glibc's malloc keeps memory that was freed in the middle of its heap for later reuse,
so it still counts as resident. Parsing the tokenizer's JSON, for example, leaves
about 25 MB of such free memory behind, which no later allocation of this server
might need. `malloc_trim` returns those pages. Elsewhere (musl, macOS) it is a no-op.
"""
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


def trim() -> bool:
    """Release free heap pages; True if the C library could do it."""
    fn = _malloc_trim()
    return bool(fn is not None and fn(0) is not None)
