"""Class mode's storage runs every test twice: on SQLite, and on a real PostgreSQL server that the
run starts itself from Debian's package (tests/conftest.py's postgres_url, testkit/postgres.py)."""
from __future__ import annotations

import pytest

from classroom import database


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    """A fresh, migrated database of either kind; the settings point at it, as a server's would."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        database.sessions(url)  # migrated once; each test starts from empty tables
        from classroom.schema import Answer, Reveal, Room, Student
        from sqlalchemy import delete
        with database.transaction(url) as s:
            for table in (Answer, Reveal, Student, Room):
                s.execute(delete(table))
    monkeypatch.setenv("FFNLAB_DATABASE_URL", url)
    yield url
    database.forget()
