"""One engine per process, upgraded to the newest migration before its first use.

SQLite (the default, in the cache folder) serves one server; PostgreSQL (FFNLAB_DATABASE_URL)
is what several replicas share. A database that cannot be reached raises Unavailable, and for a
few seconds afterwards every call fails fast, so a page never waits on a dead server twice.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from model.util import settings

MIGRATIONS = Path(__file__).parent / "migrations"
# page scripts take turns (serving.page_run), so a replica rarely holds more than two connections;
# at most 5 keeps the course overlay's 48 replicas within PostgreSQL's max_connections (k8s postgres.yaml)
POOL_SIZE, MAX_OVERFLOW = 2, 3
RETRY_AFTER_S = 5.0  # after a failed connection, calls fail at once for this long
CONNECT_TIMEOUT_S = 3


class Unavailable(RuntimeError):
    """The class database cannot be reached or upgraded; class mode is off, the rest of FFN Lab works."""


_lock = threading.Lock()
_engines: dict[str, sessionmaker[Session]] = {}
_down_until: dict[str, float] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the teacher's polling) never block a student's write
    cur.execute("PRAGMA busy_timeout=5000")  # writers queue instead of failing at once
    cur.execute("PRAGMA foreign_keys=ON")  # a deleted room takes its rows with it
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_pre_ping=True, pool_recycle=1800,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def upgrade(engine: Engine) -> None:
    """`alembic upgrade head` on this engine; replicas starting together take turns (PostgreSQL's
    advisory lock), so a migration runs once."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(3202)"))  # 3202: class mode's lock, any fixed number
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def sessions(url: str | None = None) -> sessionmaker[Session]:
    """The session factory for `url` (default: the configured database), upgraded on first use."""
    url = url or settings.database_url()
    with _lock:
        made = _engines.get(url)
        if made is not None:
            return made
        if time.monotonic() < _down_until.get(url, 0.0):
            raise Unavailable("The class database did not answer a moment ago; trying again shortly.")
        engine = make_engine(url)
        try:
            upgrade(engine)
        except (OperationalError, DBAPIError, OSError) as err:
            engine.dispose()
            _down_until[url] = time.monotonic() + RETRY_AFTER_S
            raise Unavailable(f"The class database cannot be reached ({type(err).__name__}).") from None
        made = _engines[url] = sessionmaker(engine, expire_on_commit=False)
        return made


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """A session whose work is committed when the block ends (rolled back if it raises). A caller
    that returns after the block knows its write is on disk: that is when a page says 'sent'."""
    factory = sessions(url)
    try:
        with factory.begin() as session:
            yield session
    except OperationalError as err:  # connection lost, server gone, or a lock held past busy_timeout
        raise Unavailable(f"The class database stopped answering ({type(err).__name__}).") from None


def forget() -> None:
    """Close every engine (tests; a server never needs it)."""
    with _lock:
        for made in _engines.values():
            made.kw["bind"].dispose()
        _engines.clear()
        _down_until.clear()
