"""The README fits on a few screens and points into docs/ (issue 15: it had grown to 537 lines, repeating
docs/personas.md and carrying dated benchmark tables)."""

from __future__ import annotations

import re

from tests.docs.markdown import ROOT, relative_links

README = ROOT / "README.md"


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 210, f"README.md has {len(lines)} lines; move detail into docs/"


def test_the_readme_has_the_two_commands_the_first_curl_and_a_whole_case():
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    for heading in ("## Your first curl", "## A whole case with curl", "## More"):
        assert heading in text
    case = text.split("## A whole case with curl", 1)[1].split("\n## ", 1)[0]
    assert all(f"/{endpoint}" in case for endpoint in ("customerRelationships", "accounts", "transactions", "cards",
                                                       "roles", "owners"))


def test_the_readme_does_not_repeat_the_persona_table_or_benchmark_figures():
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"^\| `ola-joint` \|", text, re.M), "the persona table lives in docs/personas.md"
    assert not re.search(r"req/s|p99", text), "benchmark figures live in docs/performance.md"


def test_the_more_list_links_every_page_of_docs():
    linked = {t.split("#")[0] for t in relative_links(README)}
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert not pages - linked, f"link these from the README: {sorted(pages - linked)}"
    assert "docs/standard/README.md" in linked
