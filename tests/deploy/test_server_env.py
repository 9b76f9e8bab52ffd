"""One server environment (deploy/server.env) for run.sh, the Docker image and the tests' servers."""
import json
import os
import subprocess

from testkit import ROOT
from testkit.server import SERVER_ENV
from tests.deploy.test_deploy import dockerfile_instructions


def test_the_file_holds_the_settings_every_server_runs_with():
    assert SERVER_ENV == {"MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1"}


def test_the_wrapper_sets_what_the_caller_has_not_set():
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV}
    script = ROOT / "deploy" / "server-env.sh"
    out = subprocess.run([str(script), "sh", "-c", "echo $MALLOC_ARENA_MAX $OMP_NUM_THREADS"], env=env,
                         capture_output=True, text=True, timeout=30, check=True).stdout.split()
    assert out == [SERVER_ENV["MALLOC_ARENA_MAX"], SERVER_ENV["OMP_NUM_THREADS"]]
    out = subprocess.run([str(script), "sh", "-c", "echo $OMP_NUM_THREADS"], env={**env, "OMP_NUM_THREADS": "3"},
                         capture_output=True, text=True, timeout=30, check=True).stdout.split()
    assert out == ["3"]  # an operator's own value wins


def test_run_sh_and_the_image_start_servers_through_it():
    run_sh = (ROOT / "run.sh").read_text()
    assert 'exec deploy/server-env.sh "$VENV/bin/python" -m streamlit run app.py' in run_sh
    assert "model.util.settings" in run_sh  # a bad FFNLAB_* value stops the start with its name
    cmd = json.loads(next(a for k, a in dockerfile_instructions() if k == "CMD"))
    assert cmd[0] == "deploy/server-env.sh" and "python -m model.util.settings && exec" in cmd[3]
    env = " ".join(a for k, a in dockerfile_instructions() if k == "ENV")
    assert not any(name in env for name in SERVER_ENV)  # written once, in deploy/server.env
