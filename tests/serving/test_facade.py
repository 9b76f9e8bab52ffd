"""The façade the teaching code calls: importing it (and all the teaching code) starts no thread;
threads start on first use."""
import subprocess
import sys

from testkit import ROOT

IMPORT_ALL = """
import threading
import serving, serving.process, serving.priority, serving.trace_worker
import components.lm.kv_views, components.lm.dictionary_views, components.lm.concept_views
import components.shared.url_state, components.tour.views
print(sorted(t.name for t in threading.enumerate()))
"""


def test_importing_serving_and_the_teaching_code_starts_no_thread():
    res = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().splitlines()[-1] == "['MainThread']"


def test_the_base_priority_thread_starts_on_first_use():
    res = subprocess.run([sys.executable, "-c", "import threading\nfrom serving import priority\n"
                          "before = threading.active_count()\npriority.base()\nprint(before, threading.active_count())"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["1", "2"]


def test_the_facade_imports_the_model_half_on_first_use():
    code = ("import sys\nimport serving\nbefore = 'torch' in sys.modules\nfrom serving import forward_pass\n"
            "print(before, 'torch' in sys.modules, callable(forward_pass))")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["False", "True", "True"]


def test_every_facade_name_is_the_function_not_a_submodule_of_the_same_name():
    import importlib
    import types

    import serving
    for module in ("models", "sessions", "model_shelf", "trace_worker", "forward_slots", "script_slots",
                   "held_values", "priority", "heap", "process", "streamlit_internals"):
        importlib.import_module(f"serving.{module}")  # each sets serving.<module> once imported
    assert not [name for name in serving.__all__ if isinstance(getattr(serving, name), types.ModuleType)]
    from serving import models
    assert serving.shelf is models.shelf and serving.trace is models.trace
