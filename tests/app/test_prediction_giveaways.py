"""A page as a learner first sees it does not state the figure it is about to ask for: for every
number prediction a page asks first, its computed answer (as the reveal would write it, and with
the precision a page would round it to) appears nowhere on the page before it is answered, in the
prose, captions, notices, metrics or tables. A conclusion or intro that quoted it would make the
prediction a reading exercise (the reviewer found four such before this test)."""
from __future__ import annotations

import re

import pytest

from components.shared.registry import PAGES
from content.predictions import PREDICTIONS, truth
from testkit.apptest import run_page

ASKED = re.compile(r"""predict\.ask\(\s*["']([a-z0-9-]+)["']""")
NOT_ASKING = {"home", "glossary", "class", "tour", "quiz"}
REAL_MODEL = {"kv_memory", "concept_neurons", "neurons", "anatomy"}


def page_text(at) -> str:
    """Everything a learner can read on the page, the open question's own box left out."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "error", "code")
             for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    text = re.sub(r"<[^>]+>", "", " ".join(str(p) for p in parts))
    return re.sub(r"\s+", " ", UNRELATED.sub("", text))


# shares that hold a percentage but are not a page's answer: a line's strength ("typically 9–20% of its
# peak") and the corpus's make-up ("essays and stories 20%")
UNRELATED = re.compile(r"\d+(?:–\d+)?% of its peak|Dictionary of the built-in corpus: [^)]*\)")


def forms_of(pid: str) -> set[str]:
    """The answer as the reveal writes it, and as a page would write it rounded (45.5% -> 45%, 46%)."""
    p, t = PREDICTIONS[pid], float(truth(pid).answer)
    shown = {p.show(t)}
    if p.unit == "%":
        shown |= {f"{t:.0f}%", f"{t:.1f}%"}
    elif p.unit == "×":
        shown |= {f"{t:.1f}×", f"{t:.2f}×"}
    return {s for s in shown if len(s) >= 3}  # a bare '5' would match anything


def _pages():
    for info in PAGES:
        if info.url_path in NOT_ASKING:
            continue
        source = (info.path and open(f"lessons/{info.url_path}.py").read())
        first = next(iter(ASKED.findall(source)), None)
        if first and PREDICTIONS[first].kind == "number" and PREDICTIONS[first].unit:
            marks = [pytest.mark.model] if info.url_path in REAL_MODEL else []
            yield pytest.param(info.url_path, first, marks=marks, id=info.url_path)


@pytest.mark.parametrize("url_path,pid", list(_pages()))
def test_the_page_does_not_state_the_figure_it_asks_for(url_path, pid):
    at = run_page(url_path, timeout=300)
    text = page_text(at)
    assert "Lock in my prediction" in " ".join(b.label for b in at.button)  # the question is open
    given_away = sorted(s for s in forms_of(pid) if s in text)
    assert not given_away, f"{url_path} states {given_away} before asking {pid}"
