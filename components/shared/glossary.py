"""Glossary terms as hover help where a page first uses them, and the 'Terms on this page' panel.

`mark` wraps the first use of each glossary term on the page (content/glossary.py) in an
`<abbr>` whose title is the definition: hover shows it, and the element takes keyboard focus
(tabindex) so that the CSS below shows the same text on focus for keyboard users. The panel at
the page's end and the Glossary page give every definition as plain text too (screen readers
do not all read a title). Pages render their own prose through `markdown` / `caption`, headings
through `title` / `header` / `subheader`; a widget takes `help=help_in(label)`; text holding user
or model text goes through `plain_markdown` / `plain_caption` (the definitions in its help, no
HTML). Which terms a page has already marked lives in session state, reset by `start_page` (which
app.py calls before each full run of a page): a fragment rerun re-marks the terms whose first use
lies inside it.
"""
from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache

import streamlit as st

from content import glossary

_SEEN = "glossary.seen"  # term name -> id of the text block that marks it on this page
CSS = """<style>
abbr.ffn-term { text-decoration: underline dotted; cursor: help; }
abbr.ffn-term:focus { outline: 2px solid currentColor; outline-offset: 1px; }
abbr.ffn-term:focus::after {  /* the title shows on hover by itself; on focus it needs help */
  content: attr(title); position: absolute; z-index: 1000; max-width: 26rem; margin-top: 1.6em;
  margin-left: -4rem; padding: .4rem .6rem; border-radius: .3rem; font-size: .85rem; line-height: 1.35;
  background: #1f1f1f; color: #ffffff; white-space: normal; }
</style>"""
# Parts of Markdown where no tag may go: fenced and inline code, maths, link targets, HTML tags.
PROTECTED = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|\]\([^)]*\)|<[^>]+>", re.DOTALL)


def start_page() -> None:
    """A new page run: nothing is marked yet; the tooltip style goes on the page once."""
    st.session_state[_SEEN] = {}
    st.html(CSS)


def _seen() -> dict[str, str]:
    """The page's marked terms. Callers fetch it once per text, not once per term: every
    st.session_state access walks Streamlit's proxies (90 of them on a home rerun cost ~0.5 ms)."""
    return st.session_state.setdefault(_SEEN, {})


@lru_cache(maxsize=4096)  # the same marks on every rerun of a page
def abbr(shown: str, term: glossary.Term) -> str:
    """`shown` (Markdown, kept as it is) inside an accessible <abbr> carrying the term's definition."""
    return (f'<abbr class="ffn-term" data-term="{term.anchor}" title="{html.escape(term.hover, quote=True)}" '
            f'tabindex="0">{shown}</abbr>')


def _claims(seen: dict[str, str], term: glossary.Term, block: str) -> bool:
    """Whether this block marks the term: its first on the page, or the same block run again."""
    if seen.get(term.name, block) != block:
        return False
    seen[term.name] = block
    return True


def mark(text: str) -> str:
    """Markdown `text` with the page's first use of each term wrapped in hover help. Our own prose
    only: the text is Markdown rendered with HTML allowed, so user text (or a model's token or file
    name) must never come here; such text goes through plain_markdown / plain_caption."""
    block = hashlib.blake2s(text.encode(), digest_size=6).hexdigest()
    done: set[str] = set()  # each term once in a block, however often the block uses it
    seen = _seen()

    def claims(term: glossary.Term | None) -> bool:
        if term is None or term.name in done or not _claims(seen, term, block):
            return False
        done.add(term.name)
        return True

    def plain(part: str) -> str:
        out, last = [], 0
        for start, end, term in glossary.find(part):
            if claims(term):
                out += [part[last:start], abbr(part[start:end], term)]
                last = end
        return "".join(out) + part[last:]

    out, last = [], 0
    for m in PROTECTED.finditer(text):
        out.append(plain(text[last:m.start()]))
        piece = m.group()
        code = piece[1:-1] if piece.startswith("`") and not piece.startswith("```") else None
        out.append(abbr(piece, term) if code and claims(term := glossary.spelled(code)) else piece)
        last = m.end()
    out.append(plain(text[last:]))
    return "".join(out)


def markdown(body: str, **kwargs) -> None:
    """st.markdown with hover help on the page's first use of each term."""
    st.markdown(mark(body), unsafe_allow_html=True, **kwargs)


def caption(body: str, **kwargs) -> None:
    """st.caption with hover help on the page's first use of each term."""
    st.caption(mark(body), unsafe_allow_html=True, **kwargs)


def plain_markdown(body: str, to=st, **kwargs) -> None:
    """st.markdown without HTML (in container `to`), for text that holds user or model text: the
    definitions of the terms it uses first go in the element's help instead."""
    to.markdown(body, help=help_in(body), **kwargs)


def plain_caption(body: str, to=st, **kwargs) -> None:
    """st.caption without HTML, the first-used terms' definitions in its help (see plain_markdown)."""
    to.caption(body, help=help_in(body), **kwargs)


def title(text: str) -> None:
    """st.title with hover help for the terms it uses first (a heading holds no markup)."""
    st.title(text, help=help_in(text))


def header(text: str) -> None:
    """st.header with hover help for the terms it uses first."""
    st.header(text, help=help_in(text))


def subheader(text: str) -> None:
    """st.subheader with hover help for the terms it uses first."""
    st.subheader(text, help=help_in(text))


def help_for(*names: str) -> str:
    """Hover help for a widget, metric or title naming these terms (always); they count as marked."""
    terms = [glossary.lookup(n) for n in names]
    seen = _seen()
    for term in terms:
        seen.setdefault(term.name, "help")
    return "\n\n".join(t.hover for t in terms)


def help_all(text: str) -> str | None:
    """Hover help for every term `text` uses, first on the page or not: for an element drawn into a
    place above text that ran before it (a page's conclusion, stated once its model is loaded)."""
    names = [t.name for t in glossary.terms_in(text)]
    return help_for(*names) if names else None


def help_in(text: str, own: str | None = None) -> str | None:
    """Hover help for the terms a label, title or text uses first on this page, after the element's
    `own` help if it has one (None if neither): for an element that cannot hold marks, or whose text
    is not ours to render as HTML."""
    block = "help:" + text
    parts = [own] if own else []
    if terms := glossary.terms_in(text):
        seen = _seen()
        parts += [t.hover for t in terms if _claims(seen, t, block)]
    return "\n\n".join(parts) or None


def terms_panel() -> None:
    """A closed 'Terms on this page' panel: every term the page marked, linked to the glossary."""
    names = list(st.session_state.get(_SEEN, {}))
    if not names:
        return
    with st.expander(f"Terms on this page ({len(names)})", icon=":material/dictionary:"):
        st.markdown("\n".join(entry(glossary.lookup(n), link=True) for n in names))


@lru_cache(maxsize=1024)  # the terms panel lists the same entries on every rerun
def entry(term: glossary.Term, link: bool = False) -> str:
    """One Markdown list item: **name** (symbol): definition, with a link to its glossary entry."""
    symbol = f" ({md_escape(term.symbol)})" if term.symbol else ""
    more = f" [→ glossary](/glossary#{term.anchor})" if link else ""
    return f"- **{md_escape(term.name)}**{symbol}: {md_escape(term.definition)}{more}"


def md_escape(text: str) -> str:
    """Plain text safe in Markdown: no HTML, and no character that Markdown would read as markup."""
    return re.sub(r"([\\`*_\[\]<>#|$~])", r"\\\1", text)
