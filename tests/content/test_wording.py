"""Statements a teacher found wrong (issue 19) stay corrected: each wrong wording below fails
this test if it comes back anywhere a learner reads it, and each cited source keeps its one
year and venue."""
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
LEARNER_FILES = sorted([*ROOT.glob("lessons/*.py"), *ROOT.glob("content/*.py"), *ROOT.glob("content/*.toml"),
                        *ROOT.glob("components/**/*.py"),
                        ROOT / "README.md"])

# (wrong wording, what is true instead)
WRONG = [
    ("stacked layers stay linear", "softmax and the norms are non-linear; the FFN supplies the element-wise one"),
    ("could only ever compute a linear map", "the FFN alone would be linear; the block keeps softmax and norms"),
    ("it cannot transform", "for given weights attention's output is a convex mix of value vectors"),
    ("cannot compute something new", "for given weights attention blends; the FFN adds the non-linearity"),
    ("only on roughly [-2, 1]", "GELU − ReLU = −|x|·Φ(−|x|), symmetric: −0.159 at ±1, −0.046 at ±2"),
    ("negative in two of the four quadrants", "true for SwiGLU and GeGLU, not ReGLU: computed per variant"),
    ("differ only near zero", "SiLU − ReLU is −0.24 at ±2"),
    ("useful gradients everywhere", "GELU′(−4) ≈ −0.0005"),
    ("8/3× for gated FFNs", "8/3 is LLaMA's choice; the presets use 2.67× to 8×"),
    ("8/3 rule", "8/3 is LLaMA's choice; the presets use 2.67× to 8×"),
    ("GPT/BERT rule", "4× is GPT-2's and BERT's choice"),
    ("compute per token does not", "compute per token grows with k"),
    ("the FFN holds most", "GPT-2 small's FFN holds 45.5% of its parameters: the share is computed"),
    ("decides how much", "silu(3) ≈ 2.86: the gate scales, it is not a 0–1 valve"),
    ("Most of what a model stores", "a parameter share is not knowledge"),
    ("not a Paris detector", "the verdict comes from the neuron's readout rank"),
    ("far less sure", "the gallery's verdicts come from p before and after"),
    ("all twelve months", "the gallery's counts come from the search"),
    ("all seven weekdays", "the gallery's counts come from the search"),
    ("12 of the 16", "the gallery's counts come from the search"),
    ("Geva et al. (2020)", "Geva et al. (2021, EMNLP) read a 16-layer WikiText-103 model; GPT-2 came in 2022"),
    ("Softmax makes the weights non-negative and sum to 1 (here", "the sliders are divided by their sum"),
]

# author -> {year: venue}: one year and venue per source, however it is cited
SOURCES = {
    "Geva et al.": {"2021": "EMNLP", "2022": "EMNLP", "2023": "EMNLP"},
    "Shazeer": {"2020": "arXiv"},
    "Hendrycks and Gimpel": {"2016": "arXiv"},
    "Gurnee et al.": {"2024": "TMLR"},
    "Vaswani et al.": {"2017": "NeurIPS"},
    "Yu et al.": {"2024": "arXiv"},
    "Sun et al.": {"2024": "COLM"},
    "Stolfo et al.": {"2024": "NeurIPS"},
    "Bills et al.": {"2023": "OpenAI"},
    "Paulo et al.": {"2024": "arXiv"},
}


def _text(path: Path) -> str:
    # a sentence may be split over adjacent string literals: join them so a phrase cannot hide
    return re.sub(r'"\s*\n\s*(f?)"', "", path.read_text())


@pytest.mark.parametrize("wrong,true", WRONG, ids=[w for w, _ in WRONG])
def test_wrong_wording_does_not_come_back(wrong, true):
    hits = [str(p.relative_to(ROOT)) for p in LEARNER_FILES if wrong.lower() in _text(p).lower()]
    assert not hits, f"{wrong!r} is back in {hits}: {true}"


def test_every_citation_has_its_one_year_and_venue():
    assert len(LEARNER_FILES) > 20
    for path in LEARNER_FILES:
        text = _text(path).replace("*", "")
        for author, years in SOURCES.items():
            # the first author only: "Fedus, Zoph and Shazeer 2022" is another source
            for m in re.finditer(r"(?<!and )(?<!, )" + re.escape(author) + r"(?:'s)?\s*\(?(\d{4})(?:, ([A-Za-z]+))?", text):
                year, venue = m.groups()
                assert year in years, f"{path.name}: {m.group(0)!r} (known: {years})"
                assert venue == years[year], f"{path.name}: {m.group(0)!r} should name {years[year]}"


def test_the_mixing_weights_are_divided_by_their_sum_as_the_words_say():
    from model.demos.mixing import normalise
    w = np.array([1.0, 1.0, 2.0])
    assert np.allclose(normalise(w), w / w.sum()) and not np.allclose(normalise(w), np.exp(w) / np.exp(w).sum())
    for path in (ROOT / "lessons/why_ffn.py", ROOT / "content/tour.py"):
        assert "divided by their sum" in _text(path), path.name
