"""Write a cache file so that nobody ever reads half of it."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` and rename tmp to `path`.

    The temporary name is unique to this process and thread, so two servers (or
    two threads) filling the same cache at once each rename a whole file of their
    own. It keeps `path`'s suffix because numpy's savez appends '.npz' otherwise.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{os.getpid()}-{threading.get_ident()}-{path.name}")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
