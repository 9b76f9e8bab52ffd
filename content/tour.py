"""The guided tour's wording: seven steps, one idea each. Plain data, so a teacher can
edit the texts here without touching any code; each step names the live view it embeds
(components/tour/views.py draws it) and the full page it links to, with its settings. `{name}` in a
text is a figure computed live (model/architectures/prose_facts.py fills it in)."""
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
    prediction: str = ""  # asked before the step's idea, text and view: a key of content.predictions.PREDICTIONS


STEPS: tuple[Step, ...] = (
    Step("Where the FFN sits", "Every block is attention, then an FFN, each wrapped in a residual connection.",
         "You know attention: each token looks at the others and gathers information. Right after it, every "
         "block runs a feed-forward network on each token. Here are the shapes through one GPT-2 block: "
         "the FFN widens each token from 768 to 3,072 numbers and back.", "block", "random", {"d_model": "768", "d_ff": "3072",
                                                                                 "n_heads": "12", "activation": "gelu_tanh"}, "block", "tour-mixing-positions"),
    Step("Where attention's output can land", "A softmax-weighted sum stays inside the hull of the value vectors.",
         "Attention's output is a weighted average of value vectors, with weights that are non-negative and sum to "
         "one: softmax gives such weights. Here they are toy numbers divided by their sum; move them on the full "
         "page and the output never leaves the shaded region. The weights depend on the tokens, but for given "
         "weights the output is a blend of what tokens carry, not a new feature computed from it.", "why_ffn",
         "illustrative", {}, "mixing", "tour-hull"),
    Step("Non-linearity is the point", "Without an activation, two layers are one matrix and XOR is impossible.",
         "A tiny FFN trained live on XOR from random weights, {xor_steps} steps each: on the left with no activation "
         "(the boundary stays one straight line, which can get at most 3 of XOR's 4 clusters right), on the right "
         "with ReLU. The activation between the two matrices is what lets the network carve the input space.",
         "why_ffn", "trained_here", {"activation": "none"}, "xor", "xor-no-activation"),
    Step("The activation functions", "ReLU switches a neuron off; GELU and SiLU bend smoothly and let small "
         "negative values through.",
         "They differ most near zero, but not only there: SiLU − ReLU is {silu_minus_relu_2} at x = ±2 and "
         "{silu_minus_relu_4} at ±4, GELU − ReLU {gelu_minus_relu_2} at ±2. ReLU's slope is exactly 0 for every "
         "negative input, so a neuron that is off gets no gradient. GELU's and SiLU's slopes are not exactly 0 there, "
         "but they fade: at x = −4 GELU′ is {gelu_slope_minus_4} and SiLU′ {silu_slope_minus_4}.", "activations",
         "illustrative", {"derivative": "true"}, "activations", "tour-activation-order"),
    Step("Where the parameters are", "With d_ff = 4·d_model the FFN holds two thirds of each block's weights.",
         "The FFN has 8·d² weights per block against attention's 4·d². In GPT-2 small that is "
         "{gpt2_small_ffn_share_non_embedding} of the parameters outside the embeddings, but {gpt2_small_ffn_share} "
         "of all of them, since its embedding matrix is large. Across the presets on the full page the FFN's share of "
         "all parameters runs from {ffn_share_low} to {ffn_share_high}.", "budget", "analytic",
         {"preset": "gpt2-small"}, "budget", "tour-ffn-share"),
    Step("Gated FFNs", "SwiGLU multiplies two projections, neuron by neuron.",
         "Modern models (LLaMA, Mistral, SmolLM2) gate: each neuron's up·x is multiplied by silu(gate·x). That is a "
         "scale, not a 0–1 valve: near 0 for a very negative gate, about the gate itself for a large one "
         "(silu(3) = {silu_3}). Coefficients can be negative, so a neuron can subtract as well as add. With three "
         "matrices instead of two, LLaMA chose d_ff ≈ 8/3·d_model to keep a 4× dense FFN's parameter count; the "
         "gated models on the budget page use {gated_ratios}.", "gating", "random", {}, "gating", "gating-parameters"),
    Step("A memory in a real model", "Each neuron is a key (what it detects) and a value (what it writes).",
         "Geva et al. (2021, EMNLP) read FFN neurons as key-value memories. Here are the neurons of SmolLM2-135M that "
         "wrote ' Paris' after 'The capital of France is', measured on its centred logit (what lifts every "
         "token at once counts zero). Open the full page to try your own text and switch neurons off, or the "
         "concept-neurons page for neurons that write months, numbers or pronouns.", "kv_memory", "trained", {"view": "attribution"}, "memory", "tour-paris-ablation"),
)
