"""Class mode adds at most 50 MB to a server, and none of the heavy modules (test_lean_imports.py):
a fresh interpreter runs the lesson pages a class uses, then a whole class in AppTest (a teacher's
room and dashboard, the concept check's results, 500 students' answers read for the distribution),
and compares its memory (USS) before and after."""
import json
import os
import subprocess
import sys

import pytest

from testkit import ROOT
from testkit.server import SERVER_ENV
from tests.app.test_lean_imports import HEAVY

SCRIPT = f"""
import gc, json, sys, psutil
from testkit.apptest import run_page
for page in ("home", "why_ffn", "quiz"):  # a server that has shown the lessons, without class mode
    run_page(page, timeout=300)
gc.collect()
before = psutil.Process().memory_full_info().uss
from classroom import rooms
at = run_page("class")
next(b for b in at.button if b.label == "Start a class").click().run()
code, secret = at.session_state["class.teacher"]
for i in range(500):
    rooms.answer(code, f"student-token-{{i:08d}}", "xor-no-activation", float(i % 101))
at.segmented_control(key="class.phase_pick").set_value("pre").run()
run_page("why_ffn", **{{"class": code}})
at.run()
assert not at.exception, [e.value for e in at.exception]
gc.collect()
after = psutil.Process().memory_full_info().uss
print(json.dumps({{"added_mb": (after - before) / 2**20, "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_class_mode_adds_at_most_50_mb_and_no_heavy_module(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'rooms.sqlite3'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    res = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=900,
                         env={**os.environ, **SERVER_ENV, "FFNLAB_DATABASE_URL": url})
    assert res.returncode == 0, res.stderr[-3000:]
    found = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"class mode on {backend}: +{found['added_mb']:.1f} MB")
    assert found["heavy"] == [] and found["added_mb"] <= 50, found
