"""Every model's float32 cache and neuron dictionary, built once onto the shared volume.

`build` (the Job, deploy/k8s/base/job-shared-models.yaml): for the bundled model and each GGUF file
$FFNLAB_MODELS lists, load it as a replica does (which writes its float32 cache into $FFNLAB_CACHE)
and build its neuron dictionary over the reading corpus unless one ships or was built before. A model
the replicas may not load ($FFNLAB_MAX_MODEL_MB, an architecture FFN Lab does not run) is recorded as
refused, with the reason; the app tells visitors the same when they pick it.

`wait` (each pod's init container, read-only): wait until every model is built or refused, so that no
pod starts by building a cache or a 35-minute dictionary of its own.

Both read what the build has done from STATUS in the cache folder, keyed by the cache file's name,
which changes with the model file and the cache format, so a new image waits for its own build.

Run: python -m deploy.k8s.shared_models build | wait [--timeout SECONDS]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from model.lm import build_dictionary, gguf_loader, registry
from model.util.atomic_file import write_atomically

STATUS = "shared-models.json"
READY = "ready"


def model_files() -> tuple[list[Path], list[str]]:
    """(the bundled GGUF and those $FFNLAB_MODELS lists, the problems with the list)."""
    entries, problems = registry.entries()
    return [gguf_loader.find_gguf()] + [e.path for e in entries if e.path is not None], problems


def read_status() -> dict[str, str]:
    try:
        return json.loads((gguf_loader.cache_dir() / STATUS).read_text())
    except (OSError, ValueError):
        return {}


def _write_status(status: dict[str, str]) -> None:
    write_atomically(gguf_loader.cache_dir() / STATUS, lambda tmp: tmp.write_text(json.dumps(status, indent=2)))


def log_progress(label: str) -> Callable[[int, int], None]:
    """The dictionary build's progress as a log line every tenth (a Job's log is not a terminal)."""
    shown = [-1]

    def show(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth > shown[0]:
            shown[0] = tenth
            print(f"shared_models: {label}: {done:,} of {total:,} tokens", flush=True)

    return show


def build_one(path: Path) -> str:
    """READY once its cache and dictionary are in the cache folder, else 'refused: why'."""
    try:
        lm = gguf_loader.load(path)
    except gguf_loader.ModelUnavailable as err:
        return f"refused: {err}"
    lm.wait_for_cache()
    if not gguf_loader.cache_file(path).is_file():
        raise OSError(f"could not write {gguf_loader.cache_file(path)}: is the shared volume writable here?")
    if build_dictionary.load_builtin(path) is None:
        build_dictionary.build_builtin(lm, progress=log_progress(f"{path.name} dictionary"))
    return READY


def build() -> int:
    files, problems = model_files()
    for problem in problems:
        print(f"shared_models: $FFNLAB_MODELS: {problem}", file=sys.stderr)
    status = read_status()
    for path in files:
        key = gguf_loader.cache_file(path).name
        if status.get(key) == READY and not missing([path], status):
            print(f"shared_models: {path.name}: already built")
            continue
        status[key] = build_one(path)
        _write_status(status)
        print(f"shared_models: {path.name}: {status[key]}")
    return 0


def missing(files: list[Path], status: dict[str, str]) -> list[str]:
    """What a pod would still have to build itself, one line per model."""
    out = []
    for path in files:
        cache = gguf_loader.cache_file(path)
        state = status.get(cache.name)
        if state is None:
            out.append(f"{path.name}: not built yet")
        elif state == READY and not cache.is_file():
            out.append(f"{path.name}: its float32 cache {cache.name} is gone")
        elif state == READY and build_dictionary.load_builtin(path) is None:
            out.append(f"{path.name}: its neuron dictionary is missing")
    return out


def wait(timeout: float, interval: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        files, _ = model_files()
        left = missing(files, read_status())
        if not left:
            print(f"shared_models: all {len(files)} models built or refused")
            return 0
        if time.monotonic() >= deadline:
            print("shared_models: still waiting for the Job ffnlab-shared-models:\n  " + "\n  ".join(left),
                  file=sys.stderr)
            return 1
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["build", "wait"])
    ap.add_argument("--timeout", type=float, default=3600.0, help="wait: give up after this many seconds")
    ap.add_argument("--interval", type=float, default=10.0, help="wait: seconds between checks")
    args = ap.parse_args(argv)
    try:
        return build() if args.action == "build" else wait(args.timeout, args.interval)
    except (OSError, gguf_loader.ModelUnavailable) as err:
        print(f"shared_models: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
