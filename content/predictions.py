"""Predict, then reveal: the questions a learner answers before the view that settles them.

Plain data, like the tour and the quiz. Each prediction names the function that computes its answer
(`figure`, "package.module:function", returning a `Truth`), so a reveal quotes a figure as the code
computes it, never as typed; `{name}` in `why` is one of that Truth's `values`. A page asks one with
`components.shared.predict.ask(id)` and draws the view only once it is answered.

Why: students who predict a demonstration's outcome before seeing it learn from it; those who only
watch learn about as much as those who never saw it (Crouch et al. 2004, Am. J. Phys. 72:835).
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Union

Answer = Union[int, float, tuple[int, ...]]
KINDS = ("choice", "number", "order")


@dataclass(frozen=True)
class Truth:
    """A prediction's answer as computed: an option's index (choice), a number, or the options'
    indices in the right order (order); `values` are the formatted figures its `why` quotes."""
    answer: Answer
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Prediction:
    id: str  # the widget's container key is predict-<id>
    prompt: str  # may quote context figures as {name}, from the Truth's values (never the answer itself)
    kind: str  # one of KINDS
    why: str  # one sentence after the reveal: why the answer is what it is
    figure: str | None = None  # "package.module:function" -> Truth; None: a conceptual choice, see `answer`
    options: tuple[str, ...] = ()  # choice, order
    answer: int | None = None  # choice without a figure: the right option's index
    lo: float = 0.0  # number: the range a learner may answer in
    hi: float = 100.0
    step: float = 1.0
    unit: str = ""  # "%" for a percentage on a 0-100 scale
    decimals: int = 0  # digits an answer and the truth are shown with

    def validate(self, raw) -> Answer:
        """The answer `raw` stands for, or ValueError saying why it is not one (class mode checks
        what a student's browser sends with this)."""
        if self.kind == "choice":
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw < len(self.options):
                raise ValueError(f"an answer to {self.id!r} is one of {len(self.options)} options")
            return raw
        if self.kind == "number":
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
                raise ValueError(f"an answer to {self.id!r} is a number")
            if not self.lo <= raw <= self.hi:
                raise ValueError(f"an answer to {self.id!r} lies from {self.show(self.lo)} to {self.show(self.hi)}")
            return float(raw)
        order = tuple(raw) if isinstance(raw, (list, tuple)) else None
        if order is None or sorted(order) != list(range(len(self.options))) \
                or any(isinstance(i, bool) or not isinstance(i, int) for i in order):
            raise ValueError(f"an answer to {self.id!r} puts all {len(self.options)} options in order")
        return order

    def show(self, answer: Answer) -> str:
        """An answer in words, as the reveal writes it."""
        if self.kind == "choice":
            return self.options[int(answer)]
        if self.kind == "number":
            text = f"{float(answer):,.{self.decimals}f}"
            return text + self.unit if self.unit == "%" else f"{text} {self.unit}".rstrip()
        return " → ".join(self.options[i] for i in answer)

    def correct(self, given: Answer, true: Answer) -> bool:
        """Right, for a choice or an order; for a number, within a twentieth of its range."""
        if self.kind == "number":
            return abs(float(given) - float(true)) <= (self.hi - self.lo) / 20
        return tuple(given) == tuple(true) if self.kind == "order" else int(given) == int(true)

    def how_far(self, given: Answer, true: Answer) -> str:
        """For a number: how far off the answer was, in the question's unit."""
        off = float(given) - float(true)
        if self.unit == "%":
            size = f"{abs(off):,.{self.decimals}f} percentage points"
        else:
            size = f"{abs(off):,.{self.decimals}f} {self.unit}".rstrip()
        if round(off, self.decimals) == 0:
            return "Spot on."
        return f"You were {size} too {'high' if off > 0 else 'low'}."


def settle(p: Prediction) -> Truth:
    """Compute the truth of `p` by calling its figure (no cache: tests call it to compare)."""
    if p.figure is None:
        return Truth(p.answer)
    module, name = p.figure.split(":")
    return getattr(importlib.import_module(module), name)()


@cache
def truth(pid: str) -> Truth:
    """The answer to prediction `pid`, computed once per process (the figures are deterministic)."""
    return settle(PREDICTIONS[pid])


def _index(*items: Prediction) -> dict[str, Prediction]:
    found: dict[str, Prediction] = {}
    for p in items:
        if p.id in found:
            raise ValueError(f"two predictions are called {p.id!r}")
        found[p.id] = p
    return found


PREDICTIONS: dict[str, Prediction] = _index(
    Prediction(
        "xor-no-activation",
        "A tiny FFN with **no activation** between its two layers trains for 300 steps on XOR's four clusters. "
        "What share of the points will it classify right?",
        "number", figure="components.concepts.answers:xor_no_activation", unit="%", decimals=1, step=0.5,
        why="With no activation the network is one linear map and a threshold, a single straight line: no line "
            "separates XOR's diagonal clusters, and a line can get at most 3 of the 4 right (75%). Trained, it got "
            "{linear}, about chance, while the same network with ReLU got {relu}."),
)
