"""The quiz's score, from the session's answers to its predictions (components/shared/predict.py)."""
from __future__ import annotations

from content.predictions import PREDICTIONS, Answer, truth
from content.quiz import QUESTIONS


def score(answers: dict[str, Answer]) -> tuple[int, int]:
    """(answered right, answered) over the quiz's questions."""
    given = {f"quiz-{q.key}": answers[f"quiz-{q.key}"] for q in QUESTIONS if f"quiz-{q.key}" in answers}
    return sum(PREDICTIONS[pid].correct(a, truth(pid).answer) for pid, a in given.items()), len(given)
