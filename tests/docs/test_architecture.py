"""docs/architecture.md is the package map, checked against the tree (issue 15: the README's map named modules
that did not exist and missed packages)."""

from __future__ import annotations

import re

from tests.docs.markdown import ROOT

PAGE = ROOT / "docs" / "architecture.md"


def _named() -> set[str]:
    return set(re.findall(r"`((?:sandbox|tests|scenarios|fixtures)/[^`\s]*)`", PAGE.read_text(encoding="utf-8")))


def test_every_path_named_exists():
    missing = sorted(p for p in _named() if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"
    assert len(_named()) > 40


def test_every_package_and_top_module_of_sandbox_is_named():
    named = _named()
    packages = {f"sandbox/{p.parent.name}/" for p in (ROOT / "sandbox").glob("*/__init__.py")}
    modules = {f"sandbox/{p.name}" for p in (ROOT / "sandbox").glob("*.py")}
    assert packages and modules
    missing = sorted((packages | modules) - named)
    assert not missing, f"add these to docs/architecture.md: {missing}"


def test_the_tests_claim_is_true_of_the_folders_named():
    """'Most packages have a test folder of the same name': every one named in the page exists and mirrors one."""
    text = PAGE.read_text(encoding="utf-8")
    mirrored = re.findall(r"`tests/(\w+)/`", text.split("## Tests")[1].split("| folder")[0])
    assert mirrored and all((ROOT / "sandbox" / name).is_dir() for name in mirrored)
    packages = [p.parent.name for p in (ROOT / "sandbox").glob("*/__init__.py")]
    with_tests = [name for name in packages if (ROOT / "tests" / name).is_dir()]
    assert len(with_tests) > len(packages) / 2  # "most"
    untested = sorted(set(packages) - set(with_tests))
    for name in untested:
        assert f"`sandbox/{name}/`" in text.split("## Tests")[1], f"say how sandbox/{name}/ is tested"
