"""Every FFNLAB_* setting is parsed in model/util/settings.py: defaults when unset, the value when
usable, and otherwise a message naming the variable and its value (never a traceback)."""
import subprocess
import sys
from pathlib import Path

import pytest

from model.lm import gguf_loader
from model.util import settings
from model.util.settings import SettingError
from testkit import ROOT

NAMES = ["FFNLAB_CACHE", "FFNLAB_GGUF", "FFNLAB_MODELS", "FFNLAB_MAX_MODEL_MB", "FFNLAB_SCRIPT_SLOTS",
         "FFNLAB_SCRIPT_NICENESS", "FFNLAB_HELD_TRACES_MB", "FFNLAB_TRACE_WORKER", "FFNLAB_DATABASE_URL",
         "FFNLAB_CLASS_HOURS", "FFNLAB_CLASS_CAP"]


@pytest.fixture
def env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_unset_settings_have_their_defaults(env):
    assert settings.cache_dir() == Path.home() / ".cache" / "ffnlab"
    assert settings.bundled_gguf() is None and settings.models() == "" and settings.max_model_mb() is None
    assert (settings.script_slots(), settings.script_niceness(), settings.held_traces_mb()) == (1, 5, 1024)
    assert settings.trace_worker() is True
    assert settings.database_url() == f"sqlite:///{Path.home() / '.cache' / 'ffnlab' / 'classroom.sqlite3'}"
    assert (settings.class_hours(), settings.class_cap()) == (4, 500)
    assert settings.problems() == []


def test_usable_values_are_read(env, tmp_path):
    for name, value in [("FFNLAB_CACHE", str(tmp_path)), ("FFNLAB_MAX_MODEL_MB", " 300 "), ("FFNLAB_SCRIPT_SLOTS", "2"),
                        ("FFNLAB_SCRIPT_NICENESS", "0"), ("FFNLAB_HELD_TRACES_MB", "0"), ("FFNLAB_TRACE_WORKER", "0")]:
        env.setenv(name, value)
    assert settings.cache_dir() == tmp_path and settings.max_model_mb() == 300 == gguf_loader.memory_cap_mb()
    assert (settings.script_slots(), settings.script_niceness(), settings.held_traces_mb()) == (2, 0, 0)
    assert settings.trace_worker() is False


@pytest.mark.parametrize("name, value, read", [
    ("FFNLAB_SCRIPT_NICENESS", "five", settings.script_niceness),  # crashed the server with a ValueError
    ("FFNLAB_SCRIPT_NICENESS", "25", settings.script_niceness),
    ("FFNLAB_SCRIPT_SLOTS", "0", settings.script_slots),
    ("FFNLAB_MAX_MODEL_MB", "2GB", gguf_loader.memory_cap_mb),  # was silently ignored
    ("FFNLAB_HELD_TRACES_MB", "-1", settings.held_traces_mb),
    ("FFNLAB_TRACE_WORKER", "yes", settings.trace_worker),
])
def test_a_bad_value_is_named_with_what_the_setting_takes(env, name, value, read):
    env.setenv(name, value)
    with pytest.raises(SettingError) as err:
        read()
    assert f"{name}={value!r}" in str(err.value) and ("whole number" in str(err.value) or "0 nor 1" in str(err.value))
    assert settings.problems() == [str(err.value)]


def test_the_start_check_names_every_bad_value_without_a_traceback(env):
    env.setenv("FFNLAB_SCRIPT_NICENESS", "high")
    env.setenv("FFNLAB_MAX_MODEL_MB", "lots")
    res = subprocess.run([sys.executable, "-m", "model.util.settings"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in res.stderr
    assert any("FFNLAB_SCRIPT_NICENESS='high'" in line for line in lines)
    assert any("FFNLAB_MAX_MODEL_MB='lots'" in line for line in lines)
    env.delenv("FFNLAB_SCRIPT_NICENESS")
    env.delenv("FFNLAB_MAX_MODEL_MB")
    assert subprocess.run([sys.executable, "-m", "model.util.settings"], cwd=ROOT, timeout=60).returncode == 0


@pytest.mark.parametrize("raw, url", [
    ("postgres://u:p@db:5432/ffnlab", "postgresql+psycopg://u:p@db:5432/ffnlab"),
    ("postgresql+psycopg2://db/ffnlab", "postgresql+psycopg://db/ffnlab"),
    ("postgresql://u@/ffnlab?host=/run/postgresql", "postgresql+psycopg://u@/ffnlab?host=%2Frun%2Fpostgresql"),
    ("sqlite:////srv/rooms.sqlite3", "sqlite:////srv/rooms.sqlite3")])
def test_database_urls_are_read_with_the_installed_driver(env, raw, url):
    env.setenv("FFNLAB_DATABASE_URL", raw)
    assert settings.database_url() == url


@pytest.mark.parametrize("raw, says", [
    ("mysql://u:secretpw@h/db", "uses 'mysql'"), ("not a url", "is not a URL"),
    ("postgresql://u:secretpw@h", "names no host or no database"), ("sqlite://", "in-memory")])
def test_unusable_database_urls_are_named_without_their_password(env, raw, says):
    env.setenv("FFNLAB_DATABASE_URL", raw)
    with pytest.raises(SettingError, match=says) as err:
        settings.database_url()
    assert "FFNLAB_DATABASE_URL" in str(err.value) and "secretpw" not in str(err.value)
