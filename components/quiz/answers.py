"""The figures that settle the quiz's computable questions (content/quiz.py): each finds the right
option from the code that draws the pages the question is about (the presets, the parameter
accounting), and gives the figures the quiz's sentences quote (model/architectures/prose_facts.py)."""
from __future__ import annotations

from content.predictions import PREDICTIONS, Truth
from model.architectures import accounting, prose_facts
from model.architectures.presets import PRESETS


def nearest(pid: str, value: float, option_values: tuple[float, ...]) -> Truth:
    """The option whose value (in the options' order) is nearest `value`, with the quiz's figures."""
    assert len(option_values) == len(PREDICTIONS[pid].options), pid
    best = min(range(len(option_values)), key=lambda i: abs(option_values[i] - value))
    return Truth(best, prose_facts.values())


def expansion() -> Truth:
    """d_ff / d_model in GPT-2 and BERT (every size agrees, or there is no one answer)."""
    ratios = {PRESETS[k].d_ff / PRESETS[k].d_model for k in PRESETS if k.startswith(("gpt2", "bert"))}
    if len(ratios) != 1:
        raise ValueError(f"GPT-2 and BERT disagree on d_ff / d_model: {sorted(ratios)}")
    return nearest("quiz-expansion", ratios.pop(), (1, 2, 4, 8))


def gated_width() -> Truth:
    """Why 8/3: the gated FFN at 8/3·d_model has the parameters of a dense one at 4·d_model (three
    matrices against two), as accounting counts them, and LLaMA-2-7B's ratio is about 8/3."""
    d = PRESETS["llama2-7b"].d_model
    widths = accounting.dense_vs_gated(d)
    dense_weights = 2 * d * widths["dense"].d_ff  # without the dense FFN's two bias vectors
    same_budget = abs(widths["gated"].params - dense_weights) / dense_weights < 0.001
    close_to = abs(prose_facts.d_ff_ratio("llama2-7b") - 8 / 3) < 0.05
    return Truth(1 if same_budget and close_to else 0, prose_facts.values())


def share() -> Truth:
    """The FFN share of GPT-2 small's non-embedding parameters (the budget page's figure)."""
    return nearest("quiz-share", accounting.budget(PRESETS["gpt2-small"]).ffn_share_non_embedding,
                   (0.1, 1 / 3, 2 / 3, 1.0))


def gating() -> Truth:
    """Can silu(gate·x)·(up·x) be negative? Read off the gating page's sign grid."""
    negative = "negative" in prose_facts.gated_signs("silu").values()
    return Truth(1 if negative else 0, prose_facts.values())


def moe() -> Truth:
    """The share of Mixtral-8x7B's parameters one token uses (active over total, as accounted)."""
    b = accounting.budget(PRESETS["mixtral-8x7b"])
    t = nearest("quiz-moe", 100 * b.active / b.total, (100, 28, 2, 25))
    return Truth(t.answer, {**t.values, "active": f"{b.active / 1e9:.1f}B", "total": f"{b.total / 1e9:.1f}B"})
