"""The concept check a class takes twice: before the tour (pre) and after the quiz (post).

The same six questions both times, so the class's normalised gain <g> = (post - pre)/(100% - pre)
(Hake 1998, Am. J. Phys. 66:64) compares like with like. They are six of the quiz's questions; the
post check comes after the quiz's feedback, so it measures what the session taught, the quiz included.
"""
from __future__ import annotations

from content.quiz import QUESTIONS, Question

KEYS = ("linearity", "expansion", "gated_width", "positionwise", "kv_memory", "moe")
PREFIX = "check-"  # a check question's id in a room: check-<quiz key>, never a prediction's id

CHECK: dict[str, Question] = {PREFIX + q.key: q for key in KEYS for q in QUESTIONS if q.key == key}


def validate(qid: str, raw: object) -> int:
    """A check answer is an option's index; anything else raises ValueError."""
    q = CHECK[qid]
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < len(q.options):
        raise ValueError(f"An answer to this question is one of its {len(q.options)} options.")
    return raw
