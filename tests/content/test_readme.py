"""The README stays a front door (issue 29): short, with the two setup commands and the headline
figures, and the real-model detail in docs/, linked from it."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_is_at_most_350_lines():
    assert len(README.splitlines()) <= 350


def test_readme_keeps_its_setup_commands_and_headline_figures():
    assert "./run.sh app" in README and "./run.sh test" in README
    assert "## Headline figures" in README


def test_moved_detail_is_linked_and_exists():
    for doc, heading in (("docs/your-own-model.md", "# Your own model"),
                         ("docs/reading-the-real-model.md", "# Reading the real model")):
        assert f"]({doc})" in README, f"the README does not link {doc}"
        assert (ROOT / doc).read_text().startswith(heading)


def test_relative_links_in_readme_and_moved_docs_resolve():
    for path in (ROOT / "README.md", ROOT / "docs/your-own-model.md", ROOT / "docs/reading-the-real-model.md"):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.name} links {target}, which does not exist"
