"""Reading the project's markdown the way GitHub renders it: heading slugs, explicit anchors, relative links and
fenced code blocks. Shared by the documentation tests (tests/docs/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^(```+|~~~+)(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
_LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def doc_files() -> list[Path]:
    """The pages a reader opens: README.md, scenarios/README.md and everything under docs/."""
    return [ROOT / "README.md", ROOT / "scenarios" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def strip_code(text: str) -> str:
    """The text without fenced blocks and inline code spans (links and headings inside code are not links)."""
    out, fence = [], None
    for line in text.splitlines():
        m = _FENCE.match(line.strip())
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip():
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        out.append(re.sub(r"`[^`]*`", "``", line))
    return "\n".join(out)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("`", "").replace("*", "").lower().strip()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(path: Path) -> list[str]:
    return [m.group(2) for line in strip_code(path.read_text(encoding="utf-8")).splitlines()
            if (m := _HEADING.match(line))]


def anchors(path: Path) -> set[str]:
    """Every fragment that lands somewhere on the page: explicit `<a id>`s and heading slugs (-1, -2 for repeats)."""
    text = path.read_text(encoding="utf-8")
    found = set(_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for heading in headings(path):
        base = slug(heading)
        n = seen.get(base, 0)
        found.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return found


def relative_links(path: Path) -> list[str]:
    """Link targets that point into the repository (not http:, mailto:, or a server path like /docs)."""
    targets = _LINK.findall(strip_code(path.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t) and not t.startswith("/")]


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # the line of the opening fence
    lang: str
    code: str
    marker: str | None  # the text of a `<!-- not-run: why -->` or `<!-- run -->` comment right above the fence


_MARKER = re.compile(r"^<!--\s*(not-run:.*?|run)\s*-->$")


def code_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i].strip())
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(1), m.group(2).strip(), i
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and not lines[j].strip()[len(fence):].strip()):
            j += 1
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = _MARKER.match(lines[k].strip()) if k >= 0 else None
        blocks.append(Block(path, start + 1, lang, "\n".join(lines[start + 1:j]) + "\n",
                            marker.group(1) if marker else None))
        i = j + 1
    return blocks
