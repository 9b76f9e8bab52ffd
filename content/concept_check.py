"""The concept check a class takes twice: before the tour (pre) and after the quiz (post).

The same six questions both times, so the class's normalised gain <g> = (post - pre)/(100% - pre)
(Hake 1998, Am. J. Phys. 66:64) compares like with like. They are six of the quiz's questions (as
predictions, `quiz-<key>`, whose right option is computed where the code can settle it); the post
check comes after the quiz's feedback, so it measures what the session taught, the quiz included.
"""
from __future__ import annotations

from content.predictions import PREDICTIONS, Prediction, truth

KEYS = ("linearity", "expansion", "gated_width", "positionwise", "kv_memory", "moe")
PREFIX = "check-"  # a check question's id in a room: check-<quiz key>, never a prediction's id

CHECK: dict[str, Prediction] = {PREFIX + key: PREDICTIONS[f"quiz-{key}"] for key in KEYS}


def validate(qid: str, raw: object) -> int:
    """A check answer is an option's index; anything else raises ValueError."""
    return CHECK[qid].validate(raw)


def right(qid: str) -> int:
    """The right option's index, as the quiz computes it."""
    return int(truth(CHECK[qid].id).answer)
