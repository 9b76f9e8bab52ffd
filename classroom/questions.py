"""Every question a room takes answers to: the pages' predictions (content/predictions.py) and the
concept check (content/concept_check.py). One place validates an answer against its question."""
from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from content import concept_check


def _predictions() -> dict[str, Any]:
    try:
        from content.predictions import PREDICTIONS
    except ImportError:  # the lesson layer is not in this build: the concept check still works
        return {}
    return PREDICTIONS


def known(qid: str) -> bool:
    return qid in concept_check.CHECK or qid in _predictions()


def validate(qid: str, raw: object) -> int | float | tuple[int, ...]:
    """The answer as stored, or ValueError with a message a student can read."""
    if qid in concept_check.CHECK:
        return concept_check.validate(qid, raw)
    prediction = _predictions().get(qid)
    if prediction is None:
        raise ValueError("This question is not one FFN Lab asks.")
    value = prediction.validate(raw)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("An answer is a finite number.")
    return value


def kind(qid: str) -> str:
    """choice | number | order: how the teacher's view draws the answers."""
    if qid in concept_check.CHECK:
        return "choice"
    return _predictions()[qid].kind


def options(qid: str) -> tuple[str, ...]:
    if qid in concept_check.CHECK:
        return concept_check.CHECK[qid].options
    return tuple(_predictions()[qid].options)


def prompt(qid: str) -> str:
    if qid in concept_check.CHECK:
        return concept_check.CHECK[qid].prompt
    return _predictions()[qid].prompt


@cache
def pages() -> frozenset[str]:
    """The pages a teacher may move a room to (content/pages.toml, the table the router reads)."""
    table = Path(__file__).resolve().parents[1] / "content" / "pages.toml"
    with table.open("rb") as f:
        return frozenset(row["url_path"] for row in tomllib.load(f)["page"])
