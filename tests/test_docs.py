"""The README's and docs' links lead somewhere: every relative link names a file of the
repository, and every #anchor a heading of the page it points into."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "benchmarks").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.*)$", page.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or ROOT not in (linked, *linked.parents):
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    assert broken == [], f"{page.name}: links that lead nowhere: {broken}"


def test_the_family_hooks_readme_lists_are_the_gans():
    """Every hook in README's "Adding a family" table is a method of ganzoo.gan.GAN (the class
    README names), and the hooks families here override are listed."""
    from ganzoo.gan import GAN

    text = (ROOT / "README.md").read_text()
    assert "a subclass of `ganzoo.gan.GAN`" in text
    table = text[text.index("### Adding a family"):]
    table = table[table.index("| hook |"):table.index("\n\n", table.index("| hook |"))]
    listed = set(re.findall(r"^\| `(\w+)\(", table, flags=re.MULTILINE))
    listed |= set(re.findall(r"`(\w+)\(recipe\)`", table))
    missing = sorted(name for name in listed if not callable(getattr(GAN, name, None)))
    assert listed and missing == [], missing
    for hook in ("family_pictures", "initialize_from_data", "after_update", "infer", "players"):
        assert hook in listed, hook
