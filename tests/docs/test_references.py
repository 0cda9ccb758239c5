"""Every citation of the standard resolves inside the repository (issue 15).

The code, the docs and `--help` cite rules (R-nn), decisions (Dn), open questions (Q-nn of the data model, Qn of
the services) and sections (`spec/protocol.md §3.7.4`, `DESIGN §2`). Each must land on an anchor or a numbered
heading under docs/standard/, and every relative link in the docs must reach an existing file and anchor.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.cli.main import build_parser
from tests.docs.markdown import ROOT, anchors, doc_files, headings, relative_links

STANDARD = ROOT / "docs" / "standard"

#: id pattern → the page whose anchors it must be among
IDS = {
    re.compile(r"\bR-\d{2}\b"): "data-model.md",
    re.compile(r"\bQ-\d{2}\b"): "data-model.md",
    re.compile(r"\bQ\d{1,2}\b(?!\s+\d{4})"): "services.md",  # not a quarter ("Q3 2019")
    re.compile(r"\bD\d{1,2}\b"): "design.md",
}
SECTION = re.compile(r"\b(?:spec/)?(protocol|data-model|services)(?:\.md)? §\s?(\d+(?:\.\d+)*)")
DESIGN_SECTION = re.compile(r"\bDESIGN(?:\.md)? §\s?(\d+)")


def _cli_help() -> str:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # argparse keeps the sub-parsers only here
    return parser.format_help() + "".join(p.format_help() for p in commands.values())


def _sources() -> dict[str, str]:
    """name → text of everything a reader meets: the package's code and templates, the docs, `--help`."""
    files = [p for p in (ROOT / "sandbox").rglob("*") if p.suffix in {".py", ".html", ".js", ".css", ".yaml", ".json"}]
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files}
    texts.update({str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in doc_files()})
    texts["dsop-sandbox --help"] = _cli_help()
    return texts


def _numbered(page: str) -> set[str]:
    """The section numbers of a page's headings ("3.7.4 Situation and response" → "3.7.4")."""
    return {m.group(1) for h in headings(STANDARD / page) if (m := re.match(r"(\d+(?:\.\d+)*)\.?\s", h))}


def test_the_sources_cite_many_ids_and_sections():
    """The collector sees the citations at all (a broken pattern would make the next tests pass vacuously)."""
    text = "\n".join(_sources().values())
    assert len(re.findall(r"\bR-\d{2}\b", text)) > 100
    assert len(re.findall(r"\bD\d{1,2}\b", text)) > 100
    assert len(SECTION.findall(text)) > 50 and DESIGN_SECTION.search(text)


def test_every_id_resolves_to_an_anchor_on_its_page():
    targets = {page: anchors(STANDARD / page) for page in set(IDS.values())}
    missing = sorted({f"{ident} (in {name}) → docs/standard/{page}"
                      for name, text in _sources().items() for pattern, page in IDS.items()
                      for ident in pattern.findall(text) if ident not in targets[page]})
    assert not missing, "citations without an anchor under docs/standard/:\n" + "\n".join(missing)


def test_every_cited_section_has_its_numbered_heading():
    numbered = {page: _numbered(page + ".md") for page in ("protocol", "data-model", "services", "design")}
    missing = set()
    for name, text in _sources().items():
        missing |= {f"{page}.md §{number} (in {name})" for page, number in SECTION.findall(text)
                    if number.rstrip(".") not in numbered[page]}
        missing |= {f"DESIGN §{number} (in {name})" for number in DESIGN_SECTION.findall(text)
                    if number not in numbered["design"]}
    assert not missing, "sections cited but not under docs/standard/:\n" + "\n".join(sorted(missing))


def test_the_reference_names_no_machine_path():
    for page in STANDARD.glob("*.md"):
        assert not re.search(r"/(work|root|home|tmp)/", page.read_text(encoding="utf-8")), page


@pytest.mark.parametrize("page", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_anchor(page: Path):
    broken = []
    for target in relative_links(page):
        file_part, _, fragment = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target}: no anchor #{fragment} in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)
