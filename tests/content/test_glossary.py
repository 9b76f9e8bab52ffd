"""The glossary (content/glossary.py) and its use on the pages.

Three things can go wrong, and each has a test that fails:
- a page's text uses an abbreviation or a piece of jargon that the glossary does not define
  (the lint: every string the pages, components and content show is scanned);
- a page uses a term without hover help where it first appears (each page is run in AppTest and
  its elements read in order);
- a definition is missing what the issue asked of it (u, the double meanings, the notation card).
"""
from __future__ import annotations

import ast
import html
import re
import tomllib
from pathlib import Path

import pytest

from components.shared import glossary as gloss
from components.shared.registry import PAGES
from content import glossary
from content.predictions import PREDICTIONS
from testkit import ROOT
from testkit.apptest import run_page

# Words with two or more capitals that are names, not terms: models, people's tools, file types,
# and words written in capitals for emphasis. Anything else of that shape must be in the glossary.
PROPER_NAMES = {
    "GPT", "SmolLM", "SmolLM2", "LLaMA", "BERT", "PyTorch", "Mixtral", "Qwen", "TinyLlama", "DeepSeek",
    "DeepSeekMoE", "WikiText", "GitHub", "LessWrong", "TransformerLens", "NeurIPS", "EMNLP", "ICLR", "ICML", "JMLR",
    "ACL", "CHI", "arXiv", "UTF", "URL", "PNG", "SVG", "GPU", "CPU", "PDF", "OK", "NO", "MISMATCH", "DIFFERENT",
    "II", "III", "AND", "TMLR", "COLM", "OpenAI", "EleutherAI", "XL", "QR", "CSV", "UTC", "PaLM", "WordNet", "N2G",
}
# Jargon without capitals that a page must not use undefined (abbreviations are found by shape).
TRACKED = (
    "residual stream", "logit", "unembedding", "final norm", "direct effect", "readout", "attribution",
    "logit lens", "centred logit", "sub-update", "coefficient", "key-value", "softmax", "embedding", "tokenizer",
    "non-linearity", "position-wise", "expert", "router", "top-k", "ablation", "gradient", "sparsity",
    "kv cache", "sparse autoencoder", "superposition", "polysemantic", "monosemantic", "perplexity",
    "attention sink", "kurtosis", "entropy neuron", "super weight", "massive activation", "soft cap", "softcap",
    "dead neuron", "universal approximat", "convex hull", "causal", "quantis", "dequantis", "Φ", "σ", "φ", "⊙",
    "held-out", "held out", "simulator", "balanced accuracy",
)
ABBREVIATION = re.compile(r"(?<![\w#%{])[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![\w}])")
HEX_COLOUR = re.compile(r"^[0-9A-F]{6}$")
SOURCES = sorted([*(ROOT / "lessons").glob("*.py"), *(ROOT / "components").rglob("*.py"),
                  *(p for p in (ROOT / "content").glob("*.py") if p.name != "glossary.py"),
                  *(ROOT / "content").glob("*.toml")])


def shown_strings(path: Path) -> list[str]:
    """Every string literal of a module except docstrings (which no learner sees); every string of a
    TOML table."""
    if path.suffix == ".toml":
        return [v for rows in tomllib.loads(path.read_text()).values() for row in rows for v in row.values()
                if isinstance(v, str)]
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs and n.value not in PREDICTIONS]  # a prediction's id is a key, never shown


def undefined(text: str) -> set[str]:
    """The abbreviations and tracked jargon in `text` that the glossary does not define."""
    words = {w for w in ABBREVIATION.findall(text) if not HEX_COLOUR.match(w) and w not in PROPER_NAMES}
    defined_spans = [(s, e) for s, e, _ in glossary.find(text)]
    missing = {w for w in words if not glossary.defines(w)}
    for phrase in TRACKED:
        for m in re.finditer(r"(?<![\w])" + re.escape(phrase), text, flags=re.IGNORECASE if phrase.isascii() else 0):
            if not any(s <= m.start() and m.end() <= e or m.start() <= s < m.end() for s, e in defined_spans):
                missing.add(m.group())
    return missing


def test_the_lint_catches_new_jargon():
    """The lint is real: a KV cache or an LSH index slipped into a page is caught, defined terms are not."""
    assert undefined("Attention reuses the KV cache of earlier tokens.") == {"KV", "KV cache"}
    assert undefined("An LSH index splits the residual stream into features.") == {"LSH"}
    assert undefined("A soft cap on the logits; dead neurons.") == {"soft cap"}
    assert undefined("An SAE finds features in superposition; a polysemantic neuron; a transcoder.") == set()
    assert undefined("GQA shares keys; FLOPs per token; RMSNorm, MoE, BOS and GGUF; GPT-2 and SmolLM2.") == set()
    assert undefined("The logit lens reads the residual stream through the final norm.") == set()


def test_every_page_string_uses_only_defined_terms():
    assert len(SOURCES) > 30
    bad = {str(p.relative_to(ROOT)): sorted(m) for p in SOURCES
           if (m := set().union(*map(undefined, shown_strings(p))))}
    assert not bad, f"define these in content/glossary.py (or list a proper name in this test): {bad}"


def test_each_term_is_defined_once_in_one_or_two_sentences():
    names = [t.name.lower() for t in glossary.TERMS]
    assert len(names) == len(set(names)) and len(names) >= 80
    anchors = [t.anchor for t in glossary.TERMS]
    assert len(set(anchors)) == len(anchors) and all(re.fullmatch(r"[a-z0-9-]+", a) for a in anchors)
    owners: dict[str, set[str]] = {}
    for t in glossary.TERMS:
        for form in (t.name, *t.forms):
            owners.setdefault(form.lower() if form.isascii() else form, set()).add(t.name)
    assert not {f: o for f, o in owners.items() if len(o) > 1}  # one spelling, one term
    for t in glossary.TERMS:
        # sentences end with '. ' before a capital; 'et al.' and 'e.g.' do not end one
        sentences = re.split(r"(?<!al)(?<!e\.g)\.\s+(?=[A-Z'(])", t.definition.strip())
        assert t.definition.endswith(".") and 1 <= len(sentences) <= 2, (t.name, sentences)


@pytest.mark.parametrize("name, meanings", [
    ("up", ["W_up", "W₁", "dense", "gated"]),
    ("key", ["W₁", "corpus contexts", "neuron dictionary"]),
    ("value", ["W₂", "Attention's values", "computed"]),
    ("activation", ["φ", "coefficient"]),
    ("top-k", ["next tokens", "experts"]),
])
def test_double_meanings_say_which_page_uses_which(name, meanings):
    definition = glossary.lookup(name).definition
    assert all(m in definition for m in meanings), (name, [m for m in meanings if m not in definition])


def test_u_and_the_direct_effect_are_defined():
    u = glossary.lookup("readout direction")
    assert u.symbol == "u" and all(w in u.definition for w in ("unembedding row", "final norm", "mean row"))
    assert "u" in glossary.lookup("direct effect").symbol and "centred" in glossary.lookup("centred logit").name
    assert "gradient × activation" in glossary.lookup("total effect").definition


def test_the_notation_card_maps_every_name():
    card = " ".join(" ".join(row) for row in glossary.NOTATION)
    for symbol in ("W₁", "W₂", "W_gate", "W_up", "W_down", "kᵢ", "vᵢ", "mᵢ", "mᵢ·vᵢ", "gate_proj", "up_proj",
                   "down_proj", "c_fc", "c_proj", "sub-update", "coefficient"):
        assert symbol in card, symbol
    assert {len(r) for r in glossary.NOTATION} == {len(glossary.NOTATION_COLUMNS)}
    fixed, computed = (" ".join(r[i] for r in glossary.KEYS_VALUES) for i in (1, 2))
    assert "fixed weights" in fixed and "computed from the tokens" in computed


def test_finding_terms_prefers_the_longer_name_and_respects_case():
    assert [(s, e, t.name) for s, e, t in glossary.find("The logit lens")] == [(4, 14, "logit lens")]
    assert [t.name for t in glossary.terms_in("The logit lens and a logit.")] == ["logit lens", "logit"]
    assert glossary.terms_in("Σ mᵢvᵢ") == [] and [t.name for t in glossary.terms_in("σ(x)")] == ["σ"]
    assert glossary.terms_in("Key takeaways; press the → keys; set it up") == []
    assert [t.name for t in glossary.terms_in("a neuron's key and its value vector")] == ["neuron", "key", "value"]


# --- hover help at the first use on every page

PROSE = {"markdown", "caption", "title", "header", "subheader"}  # alerts report checks and notices: no marks
_TAG = re.compile(r"<[^>]+>")


def _elements(node):
    """The page's elements in the order they are shown (the glossary panel left out)."""
    for child in getattr(node, "children", {}).values():
        if child.type == "expander" and child.label.startswith("Terms on this page"):
            continue
        yield child
        yield from _elements(child)


def _use_and_marks(element) -> tuple[str, set[str]] | None:
    """(the text a learner reads, the anchors of the terms it marks) of one element, or None."""
    kind = element.type
    if kind in PROSE:
        body = element.value
        if "<table" in body or re.fullmatch(r":\w+-badge\[[^\]]*\]", body):
            return None  # data tables, and the weights badge with its own help
        marks = set(re.findall(r'data-term="([a-z0-9-]+)"', body))
        text = html.unescape(_TAG.sub("", gloss.PROTECTED.sub(_unmarkable, body)))
    elif hasattr(element, "label") and isinstance(getattr(element, "label", None), str):
        text, marks = gloss.PROTECTED.sub(_unmarkable, element.label), set()
    else:
        return None
    help_text = getattr(element, "help", None) or ""
    marks |= {t.anchor for t in glossary.TERMS if t.hover in help_text}
    return text, marks


def _unmarkable(m: re.Match) -> str:
    """Code, maths and link targets can hold no tag: a use there counts only where all of it is a term."""
    piece = m.group()
    return piece if piece.startswith("`") and glossary.spelled(piece.strip("`")) else " "


def first_uses(at) -> dict[str, tuple[str, bool]]:
    """term -> (the text of the element that uses it first, whether that element marks it)."""
    out: dict[str, tuple[str, bool]] = {}
    for element in _elements(at.main):
        found = _use_and_marks(element)
        if found is None:
            continue
        text, marks = found
        for term in glossary.terms_in(text):
            out.setdefault(term.name, (text[:90], term.anchor in marks))
    return out


# every page as it opens, and the views a page opens only on request (the tour's steps, the
# key-value page's views), as "page" or "page?name=value"
# (class mode's page runs a classroom, and teaches no terms)
LIGHT = [p.url_path for p in PAGES if p.section != "Real model" and p.url_path not in ("glossary", "class")]
LIGHT += [f"tour?step={n}" for n in range(2, 7)]
REAL = [p.url_path for p in PAGES if p.section == "Real model"] + ["tour?step=7"]
REAL += [f"kv_memory?view={v}" for v in ("attribution", "lens", "intervene", "labour", "contexts", "compare")]


def check_first_uses(spec: str) -> None:
    page, _, query = spec.partition("?")
    at = run_page(page, timeout=900, **dict(q.split("=") for q in query.split("&") if q))  # why_ffn trains live
    uses = first_uses(at)
    assert len(uses) >= 3
    unmarked = {name: text for name, (text, marked) in uses.items() if not marked}
    assert not unmarked, f"{spec}: first uses without hover help: {unmarked}"
    panel = [e for e in at.expander if e.label.startswith("Terms on this page")]
    assert panel and f"({len(uses)})" in panel[0].label, [e.label for e in at.expander]


@pytest.mark.parametrize("spec", LIGHT)
def test_first_use_of_each_term_has_hover_help(spec):
    check_first_uses(spec)


@pytest.mark.model
@pytest.mark.parametrize("spec", REAL)
def test_first_use_of_each_term_has_hover_help_on_the_real_model_pages(spec):
    check_first_uses(spec)


def test_marks_are_escaped_and_accessible():
    st_free = gloss.abbr("logit", glossary.lookup("logit"))
    assert 'tabindex="0"' in st_free and 'class="ffn-term"' in st_free and 'data-term="logit"' in st_free
    title = re.search(r'title="([^"]*)"', gloss.abbr("x", glossary.lookup("token"))).group(1)
    assert "'" not in title and "&#x27;" in title  # ' Paris' quoted, escaped
    assert html.unescape(title) == glossary.lookup("token").hover


def test_the_glossary_page_lists_every_term_with_its_anchor():
    at = run_page("glossary")
    body = " ".join(m.value for m in at.markdown)
    for term in glossary.TERMS:
        assert f'id="{term.anchor}"' in body, term.name
    assert "W_gate" in body and "fixed weights" in body and "computed from the tokens" in body
    assert [h.value for h in at.header][0] == "Notation card"


def test_mark_skips_code_maths_and_links_and_marks_each_term_once(monkeypatch):
    seen: dict[str, str] = {}
    monkeypatch.setattr(gloss, "_seen", lambda: seen)  # the page's session state, here a plain dict
    text = ("The `d_model` and `up·x + 1` of a token; $\\Phi(x)$ stays maths; [a token](token#x) links; "
            "a token again, and the logit lens.")
    out = gloss.mark(text)
    assert out.count('data-term="token"') == 1 and out.count('data-term="d-model"') == 1
    assert "`up·x + 1`" in out and "$\\Phi(x)$" in out and "](token#x)" in out  # untouched
    assert 'data-term="logit-lens"' in out and 'data-term="logit"' not in out
    assert gloss.mark(text) == out  # the same block run again (a fragment rerun) marks the same terms
    assert 'data-term="token"' not in gloss.mark("Another token.")  # a later block does not
    assert gloss.help_in("Tokens") is None and "Feed-forward" in gloss.help_in("FFN")
