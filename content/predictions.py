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

from content.quiz import QUESTIONS as QUIZ
from content.quiz import Question

Answer = Union[int, float, tuple[int, ...]]
KINDS = ("choice", "number", "order")
TIGHT_UNITS = ("%", "×")  # written without a space: 45.5%, 1.50×


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
    apart: str = ""  # number: what a difference counts when `unit` does not say it (a layer index: "layers")
    decimals: int = 0  # digits an answer and the truth are shown with
    heading: str = "Predict first"  # the box's title: a quiz question checks recall, it predicts nothing

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
            return _counted(float(answer), self.decimals, self.unit)
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
            size = _counted(abs(off), self.decimals, self.apart or self.unit)
        if round(off, self.decimals) == 0:
            return "Spot on."
        return f"You were {size} too {'high' if off > 0 else 'low'}."


def _counted(value: float, decimals: int, unit: str) -> str:
    """`value` with its unit: 45.5%, 1.50×, 3 features, 1 feature (a plural unit's 's' dropped for one)."""
    text = f"{value:,.{decimals}f}"
    if unit in TIGHT_UNITS:
        return text + unit
    if text == "1" and unit.endswith("s"):
        unit = unit[:-1]
    return f"{text} {unit}".rstrip()


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


def quiz_prediction(q: Question) -> Prediction:
    """A quiz question as a prediction (`quiz-<key>`), so the quiz page and a class ask it like any other."""
    return Prediction(f"quiz-{q.key}", q.prompt, "choice", q.why, figure=q.figure, options=q.options,
                      answer=q.answer, heading="Check yourself")


def _index(*items: Prediction) -> dict[str, Prediction]:
    found: dict[str, Prediction] = {}
    for p in items:
        if p.id in found:
            raise ValueError(f"two predictions are called {p.id!r}")
        found[p.id] = p
    return found


def _percent(pid: str, prompt: str, figure: str, why: str) -> Prediction:
    """A number question whose answer is a percentage, answered and shown to a tenth."""
    return Prediction(pid, prompt, "number", why, figure=figure, unit="%", decimals=1, step=0.5)


def _count(pid: str, prompt: str, figure: str, why: str, of: int, unit: str) -> Prediction:
    """A number question whose answer is a whole count from 0 to `of`."""
    return Prediction(pid, prompt, "number", why, figure=figure, lo=0, hi=of, step=1, unit=unit)


PREDICTIONS: dict[str, Prediction] = _index(
    _percent(
        "xor-no-activation",
        "A tiny FFN with **no activation** between its two layers trains for 300 steps on XOR's four clusters. "
        "What share of the points will it classify right?",
        "components.concepts.answers:xor_no_activation",
        "With no activation the network is one linear map and a threshold, a single straight line: no line "
        "separates XOR's diagonal clusters, and a line can get at most 3 of the 4 right (75%). Trained, it got "
        "{linear}, about chance, while the same network with ReLU got {relu}."),
    # the concept and mechanics pages, and the tour steps that show their views
    Prediction(
        "tour-mixing-positions",
        "Run an FFN on its own over a sentence and change one token. Does the FFN's output change at the **other** "
        "positions?",
        "choice", figure="components.concepts.answers:tour_mixing_positions",
        options=("Yes, at every position: the FFN mixes the whole sequence",
                 "Yes, at the positions after it, as causal attention does",
                 "No: each position's output depends on that position alone"),
        why="The FFN applies the same weights to each position separately and reads no other: replacing the token "
            "at position {changed} of a random {seq}-token input moved its output there by {delta} and at the other "
            "{others} positions by {others_max}, while attention (without a causal mask) moved its output at "
            "{attn_moved} of them."),
    Prediction(
        "tour-hull",
        "Attention puts weights of {weights} on four value vectors and adds them up. Where does its output land?",
        "choice", figure="components.concepts.answers:tour_hull",
        options=("Inside the region the four vectors enclose",
                 "Outside it, beyond the vector with the largest weight",
                 "Exactly on the vector with the largest weight"),
        why="Softmax weights are non-negative and sum to 1, so the output, {point}, is a convex combination of the "
            "value vectors and stays inside their hull for any such weights; this holds within each head, before "
            "W_O combines the heads, whose sum need not lie in any hull of the values."),
    Prediction(
        "positionwise-change",
        "In a sequence of {seq} tokens, replace the token at position {changed} (counting from 0). At which positions "
        "does the FFN's output change, run on its own and run after causal attention?",
        "choice", figure="components.concepts.answers:positionwise_change",
        options=("FFN alone: position 2 only; after causal attention: position 2 only",
                 "FFN alone: position 2 only; after causal attention: positions 2 to 5",
                 "FFN alone: position 2 only; after causal attention: positions 0 to 2",
                 "FFN alone: positions 2 to 5; after causal attention: positions 2 to 5"),
        why="The FFN reads only its own position, so alone it moves position {changed} and no other "
            "(torch.allclose, equality up to float rounding, on the others: {alone_equal}), but causal attention "
            "first carries position {changed} into the input of every later position and of none before it, so "
            "after attention positions {changed} to {last} move."),
    Prediction(
        "block-first-linear",
        "A batch of {batch} sequences of {seq} tokens, each token a vector of d_model = {d_model} numbers, enters a "
        "block whose FFN has d_ff = {d_ff}. What shape comes out of the FFN's first Linear layer?",
        "choice", figure="components.architectures.answers:block_first_linear",
        options=("(2, 8, 64)", "(2, 8, 256)", "(2, 256)", "(2, 4, 8, 16)"),
        why="The FFN works on each token's last axis alone: its first Linear maps d_model = {d_model} numbers to "
            "d_ff = {d_ff} and leaves the batch and sequence axes as they are, and its second maps them back to "
            "{d_model}, so that the residual connection can add the result to the token."),
    Prediction(
        "gating-parameters",
        "At the same width d_ff = 4·d_model (d_model = {d_model}), how many times the dense FFN's parameters does a "
        "SwiGLU FFN hold?",
        "number", figure="components.architectures.answers:gating_parameters",
        lo=0.5, hi=3.0, step=0.01, unit="×", decimals=2,
        why="SwiGLU has three d_model × d_ff matrices (gate, up, down) to the dense FFN's two, so it holds {gated} "
            "parameters to {dense} ({exact}×), each counted as its models have it: the dense FFN with its two bias "
            "vectors (GPT-2, BERT), SwiGLU without (LLaMA)."),
    _percent(
        "moe-active-share",
        "Mixtral-8x7B has {n_experts} experts in every block and sends each token to {top_k} of them. What share of "
        "its {total} parameters does one token use?",
        "components.architectures.answers:moe_active_share",
        "Only the FFN is split into experts, while attention, the embeddings and the norms ({shared} parameters) "
        "serve every token, so a token uses {active} of {total}, a little more than the {k_over_n} that "
        "{top_k} of {n_experts} experts alone would give."),
    Prediction(
        "tour-activation-order",
        "In what order do ReLU, GELU and SiLU come by their output at x = −1, lowest first?",
        "order", figure="components.activations.answers:tour_activation_order",
        options=("ReLU", "GELU", "SiLU"),
        why="ReLU(−1) is exactly {relu}, while GELU(x) = x·Φ(x), Φ(x) being the chance that a standard normal "
            "variable lies below x, gives {gelu}, and SiLU(x) = x·σ(x), σ the sigmoid, gives {silu}: both let a small "
            "negative value through, SiLU more, since σ(−1) = {sigma} is larger than Φ(−1) = {Phi} (Hendrycks and "
            "Gimpel 2016, arXiv; Elfwing, Uchibe and Doya 2018, *Neural Networks*)."),
    _percent(
        "activations-relu-zeros",
        "A freshly initialised FFN with ReLU (d_model = {d_model}, d_ff = {d_ff}) reads {tokens} random tokens. What "
        "share of its {n} hidden coefficients are exactly zero?",
        "components.activations.answers:relu_zeros",
        "ReLU outputs exactly 0 for every negative input, and with random weights and inputs a neuron's input is "
        "about as often negative as positive, so {zero} of the coefficients are exactly zero, while GELU, which "
        "lets small negative values through, leaves {gelu_zero} at zero and {gelu_negative} negative."),
    _percent(
        "budget-ffn-share",
        "What share of all of GPT-2 small's {total} parameters sit in its {n_layers} FFNs?",
        "components.architectures.answers:budget_ffn_share",
        "The token and position embeddings alone hold {embeddings} of the {total} parameters and belong to no "
        "block, so over the whole model the FFNs hold only {share}."),
    _percent(
        "tour-ffn-share",
        "Leave out GPT-2 small's embeddings: what share of the {non_embedding} parameters left sit in its FFNs?",
        "components.architectures.answers:tour_ffn_share",
        "In every block the FFN's two matrices hold 2 · d_model · 4·d_model = 8·d_model² weights against "
        "attention's four d_model × d_model ones, 4·d_model², so the FFNs hold {share_non_embedding} of the "
        "{non_embedding} parameters outside the embeddings ({ffn})."),
    # the real model's pages: SmolLM2-135M on the example each page opens with (components/lm/answers.py)
    Prediction(
        "kv-top-writer-rank",
        "After 'The capital of France is', SmolLM2 predicts ' Paris'. Take the one neuron that wrote most of it "
        "(the largest direct push on its logit). Read its value vector against the vocabulary: among the tokens it "
        "promotes, where does ' Paris' rank?",
        "choice", figure="components.lm.answers:kv_top_writer_rank",
        options=("First: it is a ' Paris' neuron", "In its top 10", "In its top 100", "In its top 1,000",
                 "Below its first 1,000"),
        why="Layer {layer}, neuron {neuron} wrote the most, yet it puts ' Paris' at rank {rank} of {vocab} ({verdict}); "
            "it promotes {promotes}. The answer is written by many neurons adding small pushes, and the one that "
            "writes most need not be about Paris at all."),
    Prediction(
        "kv-paris-lens",
        "Read SmolLM2's residual stream through its unembedding after every layer, as if it stopped there (the "
        "logit lens). In which layer does ' Paris' first become the top guess after 'The capital of France is'?",
        "number", figure="components.lm.answers:kv_paris_lens", lo=0, hi=29,  # SmolLM2's layers (a test checks)
        apart="layers",
        why="Halfway up, after layer {mid}, ' Paris' still ranks {mid_rank} of {vocab}; it enters the top 100 "
            "after {top100} and first tops the lens after {stage}, on its way to {p}. The lens shows where the "
            "prediction becomes readable, not where the fact is stored."),
    _percent(
        "kv-paris-ffn-share",
        "' Paris' gets a centred logit (its logit minus the mean logit) from the token embedding, every attention "
        "layer and every FFN neuron. What share of it did the FFN neurons write directly?",
        "components.lm.answers:kv_paris_ffn_share",
        "Of its centred logit of {explained}, the {neurons} FFN neurons wrote {ffn}, attention {attention} and "
        "the embedding {embedding}. A direct effect at the last position shows who writes the answer there, not "
        "where the fact is stored: that can be earlier, at other tokens (Geva et al. 2023, EMNLP)."),
    _percent(
        "tour-paris-ablation",
        "SmolLM2 gives ' Paris' {p0} after 'The capital of France is'. Switch off the {n} neurons that wrote most "
        "of it: what will its probability be?",
        "components.lm.answers:tour_paris_ablation",
        "With those {n} of its {all} neurons off, {token} goes from {p0} to {p1}. In what they write, "
        "{specific} in the top {top}: the others write broad themes that add up to the answer."),
    Prediction(
        "anatomy-super-weight",
        "Zero one single weight of SmolLM2-135M: the super weight found above. What happens to the model's "
        "perplexity on held-out text?",
        "choice", figure="components.lm.answers:anatomy_super_weight",
        options=("Hardly anything (less than 1.1×)", "It rises a little (1.1× to 2×)",
                 "It rises several-fold (2× to 10×)", "It explodes (more than 10×)"),
        why="Perplexity on {texts} goes from {base} to {zeroed} ({ratio}×) with {weight} zeroed, while zeroing "
            "the layer's largest other weights gives {large} and random ones {random}: it is this weight, not its "
            "size, that the model relies on."),
    _percent(
        "dict-explained-share",
        "Every neuron has a line in words for each sign of its coefficient, drawn from its strongest firings in the "
        "training text. On held-out text the lines never saw, what share of SmolLM2's {lines} lines name none of "
        "their neuron's 8 strongest firings there?",
        "components.lm.answers:dict_explained_share",
        "{none} name none of them, and the median line names {coverage} of the 8 (of the card's firings, where the "
        "lines were drawn from: {card}). Over top and random excerpts the median line correlates {top_random} with its "
        "neuron, against {shuffled} for shuffled lines, {lookup} for the full token look-up table and {random_init} "
        "for a random-weight model's lines. A line that names none misses what its neuron does when it fires "
        "hardest: most neurons respond to several unrelated things at once (Elhage et al. 2022, Bricken et al. 2023)."),
    Prediction(
        "concepts-months-depth",
        "Read every FFN neuron's value vector against the vocabulary. Where in SmolLM2's {layers} layers sit the "
        "{k} neurons that write month names most strongly?",
        "choice", figure="components.lm.answers:concepts_months_depth",
        options=("Mostly in the first third", "Mostly in the middle third", "Mostly in the last third",
                 "Spread over all three"),
        why="{last} of the {k} sit in layers {last_range}, {middle} in {middle_range} and {first} in the first "
            "third (the lowest in layer {lowest}). Geva et al. (2021, EMNLP) found that what value vectors write "
            "agrees with the next token mainly in the upper layers."),
    _count(
        "superposition-five-in-two",
        "Five features, each zero 90% of the time, must pass through just **two** hidden dimensions and back "
        "(importance decay 0.9). After training, how many of the five can the model read back?",
        "components.concepts.answers:five_features_in_two_dimensions",
        "Trained here, it represents {represented}, with lengths {norms} and neighbours {angles} apart: a "
            "pentagon. Sparse features are rarely on together, so overlapping directions cost little; with dense "
            "features the same model keeps only {dense}, one per dimension.", of=5, unit="features"),
    _count(
        "polysemantic-neurons",
        "Ten features, each zero 90% of the time, and only **five** hidden ReLU neurons to output |xᵢ| for each of "
        "the ten. After training, how many of the five neurons fire for two or more different features?",
        "components.concepts.answers:neurons_firing_for_several_features",
        "{poly} fire for several unrelated features, and the model gets {computed} signed cases right, more than "
            "the five that neurons each reading one feature could cover; held to one feature per neuron, its squared "
            "error is {held} instead of {free}. With dense features (sparsity 0) it has {dense} polysemantic neurons.",
        of=5, unit="neurons"),
    *(quiz_prediction(q) for q in QUIZ),
)
