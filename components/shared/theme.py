"""One look for every figure: a colour-blind-safe palette and readable fonts.

Figures are built in one go, `go.Figure(data=..., layout=layout(...))`: plotly
validates a layout dict passed to the constructor about four times faster than
the same settings applied with `update_layout`, which matters on every rerun.
"""
from __future__ import annotations

from typing import Any

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GROUP_COLOURS = {
    "embeddings": "#56B4E9", "attention": "#0072B2", "ffn": "#E69F00",
    "norms": "#009E73", "head": "#CC79A7", "pooler": "#D55E00",
}
DIVERGING = "RdBu_r"  # negative blue, positive red, zero white
NEGATIVE, POSITIVE = "#0072B2", "#D55E00"  # the same convention for bars and coloured tokens


def sign_colours(values) -> list[str]:
    return [NEGATIVE if v < 0 else POSITIVE for v in values]


# What .streamlit/config.toml's theme settings cannot reach, as CSS that holds in the light and
# the dark theme alike (the page has no marker of which one is on), to WCAG AA's 4.5:1 for text.
# tests/browser/test_accessibility.py checks the result with axe-core.
#
# Code: Streamlit's syntax colours (its highlighter's palette, one hue for both themes) read
# 2.5-3.6:1 on the light code background. Each is mixed 60/40 with the code's own text colour,
# so it darkens in the light theme and lightens in the dark one: 5.1:1 or more in both.
_CODE_TOKEN_HUES = {
    ".token.comment, .token.prolog, .token.doctype, .token.cdata, .token.punctuation": "#808495",
    ".token.keyword, .token.tag, .token.function, .token.class-name, .token.selector": "#1c83e1",
    ".token.attr-name, .token.property, .token.variable": "#00a4d4",
    ".token.boolean, .token.constant, .token.symbol": "#21c354",
    ".token.number, .token.regex": "#29b09d",
    ".token.string, .token.char, .token.attr-value": "#09ab3b",
    ".token.operator, .token.entity, .token.decorator, .token.atrule": "#ed6f13",
    ".token.url": "#6d3fc0",
    ".token.important": "#ff4b4b",
}
_CODE_CSS = "\n".join(
    ", ".join(f"[data-testid=stCode] {sel}" for sel in selectors.split(", "))
    + f" {{ color: color-mix(in srgb, {hue} 60%, currentColor); }}"
    for selectors, hue in _CODE_TOKEN_HUES.items())
# Text on the primary colour (a primary button, a multiselect's chosen items): Streamlit writes it
# in white, which reads 2.3:1 on the dark theme's sky-blue primary. The inverse of the page's text
# colour is light in the light theme (5.5:1 on #00649D) and dark in the dark one (8.0:1 on #56B4E9).
_ON_PRIMARY = ["[data-testid=stBaseButton-primary]", "[data-testid=stMultiSelect] [data-tag]"]
_ON_PRIMARY_CSS = (", ".join(_ON_PRIMARY)
                   + " { color: rgb(from currentColor calc(255 - r) calc(255 - g) calc(255 - b)); }\n"
                   + ", ".join(f"{sel} *" for sel in _ON_PRIMARY) + " { color: inherit; }")
# A label is read whole (issue 29): Streamlit cuts a control's or a metric's label that does not fit
# its column with an ellipsis ("← Pre…" on the tour at a projector's 1,024 px); here it wraps onto
# another line instead. tests/browser/test_control_labels.py checks it.
_WHOLE_LABELS = ["[data-testid=stMain] button", "[data-testid=stMain] [data-testid=stPageLink] a",
                 "[data-testid=stWidgetLabel]", "[data-testid=stMetricLabel]"]
_WHOLE_LABELS_CSS = (", ".join(f"{sel} *" for sel in _WHOLE_LABELS)
                     + " { white-space: normal !important; overflow: visible !important;"
                       " text-overflow: clip !important; }")
PAGE_CSS = f"<style>\n{_CODE_CSS}\n{_ON_PRIMARY_CSS}\n{_WHOLE_LABELS_CSS}\n</style>"

# Offer PNG through plotly's camera button at twice the size, for slides.
PLOT_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def for_presentation(fig):
    """A copy of `fig` with projector-sized type and a taller canvas (cached figures are
    shared, so they are never changed in place)."""
    import plotly.graph_objects as go

    big = go.Figure(fig)
    height = big.layout.height or 380
    big.update_layout(font=dict(size=font_size(True)), title_font_size=font_size(True) + 4,
                      legend_font_size=font_size(True) - 1, hoverlabel_font_size=font_size(True),
                      height=int(height * 1.25))
    big.update_annotations(font_size=font_size(True))
    # Streamlit's chart theme sets its own small tick and axis-title fonts: override them too.
    for update in (big.update_xaxes, big.update_yaxes):
        update(tickfont_size=font_size(True) - 2, title_font_size=font_size(True))
    return big


def font_size(presentation: bool) -> int:
    return 20 if presentation else 13


def layout(title: str | None = None, *, height: int = 380, **extra: Any) -> dict[str, Any]:
    """The shared layout, with figure-specific settings in `extra` (presentation mode enlarges a
    figure when it is shown: for_presentation)."""
    base = font_size(False)
    out: dict[str, Any] = dict(
        height=height,
        margin=dict(l=10, r=10, t=56, b=10),
        font=dict(size=base),
        colorway=PALETTE,
        hoverlabel=dict(font=dict(size=base)),
    )
    if title:
        out["title"] = dict(text=title, font=dict(size=base + 3))
    legend = extra.pop("legend", {})
    out["legend"] = dict(font=dict(size=base - 1), **legend)
    out.update(extra)
    return out


def stacked_rows(titles: list[str], x_title: str = "x") -> dict[str, Any]:
    """Layout entries for 1 or 2 rows sharing one x axis (what make_subplots would
    build, without its cost). Row 1 uses axes x/y, row 2 x2/y2."""
    base = font_size(False)
    if len(titles) == 1:
        return dict(xaxis=dict(title=dict(text=x_title)))
    domains = [[0.56, 1.0], [0.0, 0.44]]
    out: dict[str, Any] = dict(
        xaxis=dict(anchor="y", matches="x2", showticklabels=False),
        xaxis2=dict(anchor="y2", title=dict(text=x_title)),
        yaxis=dict(domain=domains[0]), yaxis2=dict(domain=domains[1]),
    )
    out["annotations"] = [
        dict(text=t, x=0.5, y=d[1], xref="paper", yref="paper", xanchor="center", yanchor="bottom",
             showarrow=False, font=dict(size=base)) for t, d in zip(titles, domains)]
    return out
