"""Every page of FFN Lab in one place: the router and the home page both read it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    path: str  # file under lessons/
    title: str
    icon: str
    url_path: str  # equal to the file's stem, so a server's very first visitor can deep-link too
    section: str
    blurb: str  # may quote live figures as {name} placeholders (model/architectures/prose_facts.py fills them in)
    charts: bool = True  # whether the page's default view shows plotly figures


PAGES: list[PageInfo] = [
    PageInfo("lessons/home.py", "Home", ":material/home:", "home", "Start",
             "What the FFN is and where it sits.", charts=False),
    PageInfo("lessons/tour.py", "Guided tour", ":material/route:", "tour", "Start",
             "Seven steps, about 8–10 minutes: why every Transformer block has an FFN.", charts=False),
    PageInfo("lessons/why_ffn.py", "Why attention is not enough", ":material/functions:", "why_ffn", "Concepts",
             "For given weights a weighted sum only blends; XOR needs a non-linearity; two linear layers are one."),
    PageInfo("lessons/positionwise.py", "Position-wise", ":material/view_week:", "positionwise", "Concepts",
             "Change one token: the FFN alone changes only there; attention carries the change to other positions."),
    PageInfo("lessons/block.py", "Inside one block", ":material/account_tree:", "block", "Concepts",
             "Attention, add & norm, FFN, add & norm: shapes at every arrow and the FFN's code.", charts=False),
    PageInfo("lessons/gating.py", "SwiGLU and gating", ":material/join_inner:", "gating", "Concepts",
             "Gate and up projections multiplied, and why LLaMA's gated FFN uses d_ff ≈ 8/3 · d_model."),
    PageInfo("lessons/moe.py", "Mixture of Experts", ":material/call_split:", "moe", "Concepts",
             "A router picks top-k experts per token: total vs active parameters."),
    PageInfo("lessons/activations.py", "Activation functions", ":material/show_chart:", "activations",
             "Mechanics", "ReLU, GELU, SiLU and the gated family: curves, slopes, sparsity."),
    PageInfo("lessons/budget.py", "Parameter budget", ":material/pie_chart:", "budget", "Mechanics",
             "Exact parameters and FLOPs of GPT-2, BERT, LLaMA, Mistral, Mixtral, SmolLM2: the FFN holds "
             "{ffn_share_low} to {ffn_share_high} of them."),
    PageInfo("lessons/kv_memory.py", "Key-value memory", ":material/neurology:", "kv_memory", "Real model",
             "SmolLM2-135M on your text: which neurons fire, what they write, what breaks when you switch them off."),
    PageInfo("lessons/concept_neurons.py", "Concept neurons", ":material/category:", "concept_neurons", "Real model",
             "Search every neuron for one that writes months, numbers, pronouns or your own words; a gallery.",
             charts=False),
    PageInfo("lessons/neurons.py", "Neuron dictionary", ":material/menu_book:", "neurons", "Real model",
             "Every neuron in words with held-out scores, its top contexts over a corpus, and search by token "
             "or word."),
    PageInfo("lessons/anatomy.py", "Inside a real FFN", ":material/biotech:", "anatomy", "Real model",
             "The super weight, massive activations and kinds of neurons, found live on a trained model."),
    PageInfo("lessons/quiz.py", "Takeaways and quiz", ":material/quiz:", "quiz", "Review",
             "Seven ideas to keep and eight questions with instant feedback.", charts=False),
    PageInfo("lessons/glossary.py", "Glossary", ":material/dictionary:", "glossary", "Review",
             "Every term and symbol in plain words, and a notation card: W₁/W₂, gate/up/down, keys, values.",
             charts=False),
]
