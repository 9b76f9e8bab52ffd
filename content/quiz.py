"""A short quiz and the key takeaways: plain data, tested without a UI.

Each question is a prediction (content/predictions.py makes it one, `quiz-<key>`), asked on the quiz
page with components.shared.predict, so a class can use the quiz as a concept check. Where the code
can settle a question, `figure` names the function that finds the right option (the presets, the
parameter accounting); a conceptual one gives its `answer`. `{name}` in a takeaway or an explanation is
a figure computed live (model/architectures/prose_facts.py), so the words never state a number the
code no longer gives."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    options: tuple[str, ...]
    answer: int | None  # index into options, for a conceptual question; None where `figure` settles it
    why: str  # one line, shown after answering
    figure: str | None = None  # "package.module:function" -> content.predictions.Truth (the right option)


QUESTIONS: tuple[Question, ...] = (
    Question("linearity", "Attention outputs a softmax-weighted sum of value vectors. What can that sum never do?",
             ("Mix information from several tokens", "Leave the convex hull of the value vectors",
              "Depend on the query", "Change when the keys change"), 1,
             "Non-negative weights summing to 1 make a convex combination, so for given weights each head's output "
             "stays inside the hull of its value vectors: a blend (the heads' outputs, joined and projected by W_O, "
             "lie in no such hull). The weights depend on the tokens through softmax, which is non-linear, but the "
             "per-token, element-wise non-linearity comes from the FFN."),
    Question("expansion", "In GPT-2 and BERT, d_ff is how many times d_model?", ("1×", "2×", "4×", "8×"), None,
             "768 → 3,072 in GPT-2 small and BERT-base, and 4× in every GPT-2 size: the classic expansion.",
             "components.quiz.answers:expansion"),
    Question("gated_width", "LLaMA's SwiGLU FFN uses d_ff ≈ 8/3 · d_model instead of 4 · d_model. Why 8/3?",
             ("Gating needs fewer neurons to converge", "Three matrices instead of two: 8/3 keeps the parameter count of a 4× dense FFN",
              "Because SiLU is cheaper than GELU", "To fit GPU tile sizes"), None,
             "Writing d for d_model: 3 · d · (8/3)d = 8d² = 2 · d · 4d, the budget of a 4× dense FFN; Shazeer (2020, arXiv) shrank d_ff by "
             "2/3 the same way. It is a choice, not a rule: {gated_ratios}.", "components.quiz.answers:gated_width"),
    Question("share", "About what share of GPT-2's non-embedding parameters sit in its FFNs?",
             ("One tenth", "One third", "Two thirds", "All of them"), None,
             "Per block, attention has 4d² weights and the FFN 8d² (d = d_model): 8/12 = 2/3. In GPT-2 small that is "
             "{gpt2_small_ffn_share_non_embedding} of the parameters outside the embeddings.", "components.quiz.answers:share"),
    Question("positionwise", "In a causal (GPT-style) Transformer you change token 3 of a sentence. In the first "
             "block, which positions' FFN outputs change?",
             ("All of them", "Only position 3's", "Positions 3 and later", "None"), 2,
             "The FFN alone works on each position separately with the same weights, so it moves only where its input "
             "moved. But its input comes from attention, which in a causal model carries the change to every later "
             "position: the FFN outputs at 3 and later change, the earlier ones do not."),
    Question("kv_memory", "In the key-value view of an FFN neuron, what is its 'value'?",
             ("Its bias", "Its row of the first matrix", "Its column of the down projection, added to the residual stream",
              "Its activation on the last token"), 2,
             "FFN(x) = Σᵢ mᵢ·vᵢ: vᵢ is column i of down_proj, mᵢ its coefficient (how strongly neuron i fires on this "
             "token)."),
    Question("gating", "In SwiGLU, a neuron's coefficient is silu(gate·x) · (up·x). Can it be negative?",
             ("No, SiLU is non-negative", "Yes: up·x can be negative, and silu dips slightly below 0",
              "Only when up·x is negative", "Only in the last layer"), None,
             "Unlike a ReLU FFN's coefficients, which are never negative, SwiGLU coefficients take either sign, so a "
             "neuron can also subtract its value.", "components.quiz.answers:gating"),
    Question("moe", "Mixtral-8x7B routes each token to 2 of 8 experts. Roughly what fraction of its parameters does a token use?",
             ("100%", "About 28%", "About 2%", "Exactly 25%"), None,
             "{active} active of {total} total: attention and embeddings are shared, only the FFN is sparse.",
             "components.quiz.answers:moe"),
)

TAKEAWAYS = (
    "For given weights, each attention head's output is a convex mix of its value vectors: it blends what tokens "
    "carry. The FFN "
    "supplies the per-token, element-wise non-linearity (softmax and the norms are non-linear too, but they weight "
    "and rescale whole vectors).",
    "Two Linear layers with nothing between them collapse into one matrix; the activation is what makes the wide "
    "hidden layer worth having.",
    "The FFN runs on every position independently with shared weights: attention moves information between tokens, "
    "the FFN transforms each token (whose vector already carries what attention gathered).",
    "It widens d_model to d_ff and back: 4× in GPT-2 and BERT, about 8/3× in LLaMA's gated FFN (the parameters of a "
    "4× dense one), and other ratios in other gated models ({gated_ratios}). At 4× it holds two thirds of a block's weights.",
    "Read as a key-value memory, as Geva et al. (2021, EMNLP) proposed, each neuron's key detects a pattern and its "
    "value writes a direction; the values agree with the next token mainly in the upper layers (Geva et al. 2021, "
    "EMNLP), and each promotes some tokens and suppresses others (Geva et al. 2022, EMNLP).",
    "Gated FFNs (SwiGLU) multiply two projections; their coefficients can be negative.",
    "Mixture of Experts keeps many FFNs and routes each token to a few: total parameters grow with the number of "
    "experts, compute per token with k, the number of experts each token uses.",
)

