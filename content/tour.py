"""The guided tour's wording: seven steps, one idea each. Plain data, so a teacher can
edit the texts here without touching any code; each step names the live view it embeds
(components/tour/views.py draws it) and the full page it links to, with its settings."""
from __future__ import annotations

from dataclasses import dataclass, field

DURATION, LEVEL, PREREQUISITE = "8–10 minutes", "intermediate", "multi-head attention"


@dataclass(frozen=True)
class Step:
    title: str
    idea: str  # the one sentence to remember
    text: str
    page: str  # full interactive page
    weights: str  # honest label of the embedded view: a key of components.shared.widgets.WEIGHT_LABELS
    query: dict[str, str] = field(default_factory=dict)
    view: str | None = None  # the embedded live view: a key of components.tour.views.VIEWS


STEPS: tuple[Step, ...] = (
    Step("Where the FFN sits", "Every block is attention, then an FFN, each wrapped in a residual connection.",
         "You know attention: each token looks at the others and gathers information. Right after it, every "
         "block runs a feed-forward network on each token. Here are the shapes through one GPT-2 block: "
         "the FFN widens each token from 768 to 3,072 numbers and back.", "block", "random", {"d_model": "768", "d_ff": "3072",
                                                                                 "n_heads": "12", "activation": "gelu_tanh"}, "block"),
    Step("Attention only averages", "A softmax-weighted sum stays inside the hull of the value vectors.",
         "Attention's output is a weighted average of value vectors, with weights that are positive and sum to one. "
         "Move the weights on the full page: the output never leaves the shaded region. Averaging mixes what "
         "tokens carry; it cannot compute a new feature from it.", "why_ffn", "illustrative", {}, "mixing"),
    Step("Non-linearity is the point", "Without an activation, two layers are one matrix and XOR is impossible.",
         "A tiny FFN trained on XOR: on the left with no activation (a straight boundary, stuck at 75% or below), on "
         "the right with ReLU (100%). The activation between the two matrices is what lets the network carve the "
         "input space.", "why_ffn", "random", {"activation": "none"}, "xor"),
    Step("The activation functions", "ReLU, GELU and SiLU differ only near zero, but that shapes training.",
         "ReLU switches neurons fully off; GELU and SiLU let small negative values through and are smooth, which "
         "gives useful gradients everywhere.", "activations", "illustrative", {"derivative": "true"}, "activations"),
    Step("Where the parameters are", "The FFN holds about two thirds of a Transformer's non-embedding parameters.",
         "With d_ff = 4·d_model the FFN has 8·d² weights per block against attention's 4·d². Most of what a "
         "model stores, it stores here.", "budget", "analytic", {"preset": "gpt2-small"}, "budget"),
    Step("Gated FFNs", "SwiGLU multiplies two projections; with d_ff ≈ 8/3·d_model it costs the same.",
         "Modern models (LLaMA, Mistral, SmolLM2) gate: silu(gate·x) decides how much of up·x each neuron passes. "
         "Coefficients can be negative, so a neuron can subtract as well as add.", "gating", "random", {}, "gating"),
    Step("A memory in a real model", "Each neuron is a key (what it detects) and a value (what it writes).",
         "In a trained model, FFN neurons act as key-value memories: here are the neurons of SmolLM2-135M that "
         "wrote ' Paris' after 'The capital of France is', measured on its centred logit (what lifts every "
         "token at once counts zero). Open the full page to try your own text and switch neurons off, or the "
         "concept-neurons page for neurons that write months, numbers or pronouns.", "kv_memory", "trained", {"view": "attribution"}, "memory"),
)
