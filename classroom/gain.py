"""A class's learning gain from its concept check: pure arithmetic, tested without a database.

Hake's normalised gain <g> = (post - pre) / (100% - pre), on class averages (Hake 1998,
Am. J. Phys. 66:64): the share of what the class did not know before that it knows after.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    right: int
    answered: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.right / self.answered if self.answered else None


def normalised_gain(pre: float | None, post: float | None) -> float | None:
    """<g> from class scores in percent; None when either is missing or pre is already 100%."""
    if pre is None or post is None or pre >= 100.0:
        return None
    return (post - pre) / (100.0 - pre)


@dataclass(frozen=True)
class QuestionGain:
    qid: str
    pre: Score
    post: Score

    @property
    def gain(self) -> float | None:
        return normalised_gain(self.pre.percent, self.post.percent)


def overall(rows: list[QuestionGain]) -> tuple[float | None, float | None, float | None]:
    """The class's pre and post score over all questions (every answer weighs the same) and its <g>."""
    pre = Score(sum(r.pre.right for r in rows), sum(r.pre.answered for r in rows)).percent
    post = Score(sum(r.post.right for r in rows), sum(r.post.answered for r in rows)).percent
    return pre, post, normalised_gain(pre, post)
