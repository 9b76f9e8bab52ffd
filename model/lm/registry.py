"""Which models a server offers: the bundled SmolLM2-135M first, then every GGUF file listed in
$FFNLAB_MODELS (files or folders of .gguf files, separated by ':'), each under a short key that the
URL carries (`?model=...`). Listing reads no model file unless given a `check` (the server's picker
passes gguf_loader.why_not, which reads headers only); loading is gguf_loader's work.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from model.util import settings

BUNDLED = "smollm2-135m"


@dataclass(frozen=True)
class ModelEntry:
    key: str  # what `?model=` holds
    path: Path | None  # None: a packaged file, found when it is loaded (`locate`, or gguf_loader.find_gguf)
    label: str  # what the model picker shows
    locate: Callable[[], Path] | None = None  # finds (or assembles) a packaged file other than SmolLM2's

    def file(self) -> Path | None:
        """The GGUF file to load; None for the bundled SmolLM2 (gguf_loader finds it)."""
        return self.path or (self.locate() if self.locate else None)


def with_packaged(models: list[ModelEntry]) -> list[ModelEntry]:
    """The bundled model, then the other models installed as packages (Gemma 3 270M), then the rest."""
    from model.lm import gemma3_package as gemma3

    packaged = [ModelEntry(gemma3.KEY, None, gemma3.LABEL, gemma3.gguf_path)] if gemma3.installed() else []
    return [*models[:1], *packaged, *models[1:]]


def slug(name: str) -> str:
    """'SmolLM2-360M-Instruct.Q8_0' -> 'smollm2-360m-instruct-q8-0': safe in a URL, readable."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "model"


def entries(spec: str | None = None, check: Callable[[Path], str | None] | None = None
            ) -> tuple[list[ModelEntry], list[str]]:
    """(the models on offer, the problems with what was listed). `spec` defaults to $FFNLAB_MODELS.
    A listed path that does not exist, or is not a .gguf file, is skipped with a problem saying so,
    and so is a file for which `check` gives a reason; two files with the same name get distinct keys."""
    spec = settings.models() if spec is None else spec
    models = [ModelEntry(BUNDLED, None, "SmolLM2-135M-Instruct (bundled)")]
    problems, seen_paths = [], set()
    for item in filter(None, (part.strip() for part in spec.split(os.pathsep))):
        path = Path(item).expanduser()
        if path.is_dir():
            files = sorted(path.glob("*.gguf"))
            if not files:
                problems.append(f"{item}: a folder with no .gguf files")
        elif path.is_file() and path.suffix.lower() == ".gguf":
            files = [path]
        else:
            problems.append(f"{item}: " + ("not a .gguf file" if path.exists() else "no such file or folder"))
            files = []
        for file in files:
            if file.resolve() in seen_paths:
                continue
            seen_paths.add(file.resolve())
            reason = check(file) if check else None
            if reason:
                problems.append(reason)
                continue
            key, n = slug(file.stem), 2
            while key in {m.key for m in models}:
                key, n = f"{slug(file.stem)}-{n}", n + 1
            models.append(ModelEntry(key, file, file.name))
    return models, problems


def find(key: str, models: list[ModelEntry]) -> ModelEntry | None:
    return next((m for m in models if m.key == key), None)
