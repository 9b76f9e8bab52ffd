"""Every page of FFN Lab in one place: the router and the home page both read it. The table itself
(titles, icons, sections, the home page's lines) is course text, in content/pages.toml."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "content" / "pages.toml"


@dataclass(frozen=True)
class PageInfo:
    url_path: str  # the page's file is lessons/<url_path>.py, so a server's very first visitor can deep-link too
    title: str
    icon: str
    section: str
    blurb: str  # may quote live figures as {name} placeholders (model/architectures/prose_facts.py fills them in)
    charts: bool = True  # whether the page's default view shows plotly figures

    @property
    def path(self) -> str:
        return f"lessons/{self.url_path}.py"


def read_table(path: Path = TABLE) -> list[PageInfo]:
    with path.open("rb") as f:
        return [PageInfo(**row) for row in tomllib.load(f)["page"]]


PAGES: list[PageInfo] = read_table()
