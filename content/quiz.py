"""Key takeaways and a short quiz: plain data plus a checker, tested without a UI."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    options: tuple[str, ...]
    answer: int  # index into options
    why: str  # one line, shown after answering


QUESTIONS: tuple[Question, ...] = (
    Question("linearity", "Attention outputs a softmax-weighted sum of value vectors. What can that sum never do?",
             ("Mix information from several tokens", "Leave the convex hull of the value vectors",
              "Depend on the query", "Change when the keys change"), 1,
             "Non-negative weights summing to 1 give a convex combination: it mixes, it cannot transform."),
    Question("expansion", "In GPT-2 and BERT, d_ff is how many times d_model?", ("1×", "2×", "4×", "8×"), 2,
             "768 → 3072: the classic 4× expansion."),
    Question("gated_width", "Why do SwiGLU models use d_ff ≈ 8/3 · d_model instead of 4 · d_model?",
             ("Gating needs fewer neurons to converge", "Three matrices instead of two: 8/3 keeps the parameter count of a 4× dense FFN",
              "Because SiLU is cheaper than GELU", "To fit GPU tile sizes"), 1,
             "3 · d · (8/3)d = 8d² = 2 · d · 4d: the same budget."),
    Question("share", "About what share of GPT-2's non-embedding parameters sit in its FFNs?",
             ("One tenth", "One third", "Two thirds", "All of them"), 2,
             "Per block, attention has 4d² weights and the FFN 8d²: 8/12 = 2/3."),
    Question("positionwise", "You change token 3 of a sentence. Which FFN outputs change?",
             ("All of them", "Only position 3's", "Positions 3 and later", "None"), 1,
             "The FFN is applied to every position separately with the same weights."),
    Question("kv_memory", "In the key-value view of an FFN neuron, what is its 'value'?",
             ("Its bias", "Its row of the first matrix", "Its column of the down projection, added to the residual stream",
              "Its activation on the last token"), 2,
             "FFN(x) = Σᵢ mᵢ·vᵢ: vᵢ is column i of down_proj, mᵢ its coefficient (how well the key matched)."),
    Question("gating", "In SwiGLU, a neuron's coefficient is silu(gate·x) · (up·x). Can it be negative?",
             ("No, SiLU is non-negative", "Yes: up·x can be negative, and silu dips slightly below 0",
              "Only with dropout", "Only in the last layer"), 1,
             "Unlike ReLU keys, SwiGLU coefficients take either sign, so a neuron can also subtract its value."),
    Question("moe", "Mixtral-8x7B routes each token to 2 of 8 experts. Roughly what fraction of its parameters does a token use?",
             ("100%", "About 28%", "About 2%", "Exactly 25%"), 1,
             "12.9B active of 46.7B total: attention and embeddings are shared, only the FFN is sparse."),
)

TAKEAWAYS = (
    "Attention mixes tokens with a weighted average; without a non-linearity, stacked layers stay linear. The FFN supplies the non-linearity.",
    "Two Linear layers with nothing between them collapse into one matrix; the activation is what makes depth count.",
    "The FFN runs on every position independently with shared weights: attention moves information between tokens, the FFN transforms each token.",
    "It widens d_model to d_ff (4× dense, ≈ 8/3× gated) and back, holding about two thirds of a block's parameters.",
    "Read as a key-value memory, each neuron's key detects a pattern and its value writes a direction that promotes some tokens and suppresses others.",
    "Gated FFNs (SwiGLU) multiply two projections; their coefficients can be negative.",
    "Mixture of Experts keeps many FFNs and routes each token to a few: total parameters grow, compute per token does not.",
)


def check(question: Question, choice: int | None) -> tuple[bool, str] | None:
    """None before an answer; otherwise (correct, explanation)."""
    if choice is None:
        return None
    return choice == question.answer, question.why
