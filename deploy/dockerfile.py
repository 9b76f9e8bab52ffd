"""A Dockerfile's instructions, for running its exact commands where Docker cannot run
(tests/deploy/test_deploy.py, deploy/k8s/measure_start.py)."""
from __future__ import annotations

import re


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")))
    return [tuple(ln.split(None, 1)) for ln in joined.splitlines() if ln.strip()]
