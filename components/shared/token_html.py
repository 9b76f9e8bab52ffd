"""Tokens as coloured HTML. Every piece of user text is escaped before it is placed
in markup, so `<script>` or `<img onerror=...>` in the text is shown, never run."""
from __future__ import annotations

import html

import numpy as np

VISIBLE = {" ": "·", "\n": "↵", "\t": "→"}


def shown(piece: str) -> str:
    """A token's text with spaces, tabs and line breaks made visible."""
    return "".join(VISIBLE.get(ch, ch) for ch in piece)


def visible(piece: str) -> str:
    """`shown`, HTML-escaped: for use inside markup."""
    return html.escape(shown(piece))


def code_span(piece: str) -> str:
    """A token as a Markdown code span; Markdown shows code spans literally (no HTML
    is rendered there), so only the backtick delimiter needs replacing."""
    return "`" + shown(piece).replace("`", "ˋ") + "`"


def _colour(value: float, limit: float) -> str:
    """Diverging colour: blue for negative, red for positive, white at zero."""
    a = 0.0 if limit <= 0 else min(abs(value) / limit, 1.0)
    rgb = (213, 94, 0) if value > 0 else (0, 114, 178)  # theme.POSITIVE / theme.NEGATIVE
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{a * 0.85:.3f})"


def coloured_tokens(pieces: list[str], values: np.ndarray | None = None, highlight: int | None = None) -> str:
    """One <span> per token, background by value, with the value on hover."""
    limit = float(np.abs(values).max()) if values is not None and len(values) else 0.0
    spans = []
    for i, piece in enumerate(pieces):
        style = "padding:2px 3px;margin:1px;border-radius:4px;display:inline-block;font-family:monospace;"
        title = f"token {i}"
        if values is not None:
            style += f"background:{_colour(float(values[i]), limit)};"
            title += f": {float(values[i]):+.3f}"
        if i == highlight:
            style += "outline:2px solid #000;"
        spans.append(f'<span style="{style}" title="{html.escape(title)}">{visible(piece)}</span>')
    return '<div style="line-height:2.1">' + "".join(spans) + "</div>"
