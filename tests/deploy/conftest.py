"""The image, built once for the container tests (tests/support/containers.py says how the engine and the base
image are found, or why the tests skip).

The tag is a digest of the build context, and the build runs under a lock file: the two modules that use the
image may run in two pytest-xdist workers at once, and the second then finds the image the first built instead
of building it again (a minute of `make test` on a fresh machine). An image of older sources is removed when a
new one is built, so at most one test image stays on the machine between runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from pathlib import Path

import pytest

from tests.support.containers import NoEngine, engine_and_base

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "localhost/dsop-sandbox"
CONTEXT = ("Containerfile", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "scenarios", "sandbox")


def context_digest(root: Path = ROOT) -> str:
    """sha256 of every file the Containerfile copies (paths and contents), caches left out."""
    digest = hashlib.sha256()
    for name in CONTEXT:
        top = root / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()
                                                    and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def image():
    """(engine, tag) of the Containerfile built from this checkout."""
    with open(Path(tempfile.gettempdir()) / "dsop-sandbox-test-image.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build (and one debootstrap of the base) at a time
        try:
            engine, base = engine_and_base()
        except NoEngine as exc:
            pytest.skip(str(exc))
        tag = f"{REPOSITORY}:test-{context_digest()}"
        if engine("image", "inspect", tag, check=False).returncode != 0:
            engine.build(ROOT, tag, base)
            listed = engine("images", "--format", "{{.Repository}}:{{.Tag}}", REPOSITORY, check=False).stdout.split()
            for old in listed:
                if old.startswith(f"{REPOSITORY}:test-") and old != tag:
                    engine("rmi", "-f", old, check=False)
            engine("image", "prune", "-f", check=False)  # the build stage's image, left untagged
    yield engine, tag
