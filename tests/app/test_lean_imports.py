"""A server that has shown every page never imports what it does not need.

Each of these modules once slipped in through a side door and cost every server
process resident memory (and the first visitor seconds): torch._dynamo through
torch.optim and meta-device `normal_` (74 MB), sympy through `Module.to_empty` on
meta tensors (about 40 MB), pandas and pyarrow through st.table/st.dataframe (67 MB).
The pages run in a fresh interpreter, since pytest itself may have imported them, in a server's
environment (deploy/server.env: one torch thread; with two, the why-FFN page's width search took
minutes whenever anything else held a core).
"""
import json
import os
import subprocess
import sys

import pytest

from testkit import ROOT
from testkit.server import SERVER_ENV

HEAVY = ["torch._dynamo", "sympy", "pandas", "pyarrow"]

SCRIPT = f"""
import json, sys
from components.shared.registry import PAGES
from testkit.apptest import run_page
for info in PAGES:  # reveal=all: every view a prediction gates is drawn too
    run_page(info.url_path, timeout=300, reveal="all")
for view in ("attribution", "lens", "intervene", "labour", "contexts"):
    run_page("kv_memory", timeout=300, view=view, reveal="all")
run_page("neurons", timeout=300, layer="3", neuron="5", token=" Paris", reveal="all")
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""


@pytest.mark.model
def test_every_page_runs_without_the_heavy_modules(warm_caches):
    res = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=900,
                         env={**os.environ, **SERVER_ENV})
    assert res.returncode == 0, res.stderr[-3000:]
    assert json.loads(res.stdout.strip().splitlines()[-1]) == []
