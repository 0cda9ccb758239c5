"""Every shell snippet of README.md and docs/ runs as pasted from the repository root (issue 15).

One live server (tests/e2e/server.py) serves the default scenario; each ```sh/```bash block, and each ```python
block marked `<!-- run -->`, runs from the repository root the way the docs tell a reader to point it at a server
on another port: `http://127.0.0.1:8000` (the BASE the blocks set) becomes the live server's URL and
`DSOP_SANDBOX_URL` names it for `dsop-sandbox token` and `flow` (docs/serve.md). Scratch files the docs put under
/tmp land in the test's own temporary folder instead, so parallel runs never share them. A block that is not
meant to run (it starts a server, installs into another project) says so right above it:
`<!-- not-run: why -->`.

Each block must exit 0, print no error body of the APIs, and leave no new file in the repository root.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.markdown import ROOT, code_blocks
from tests.e2e.server import running_server

DEFAULT_URL = "http://127.0.0.1:8000"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: An API's error body in a block's output: a stale example (a header a profile now requires, an old reference).
ERROR_BODY = re.compile(r'"(?:code|errorCode)":\s*"(?:ACC|ERR)-\d+"|"error":\s*"[a-z_]+"')


def _runnable():
    blocks = []
    for page in PAGES:
        for block in code_blocks(page):
            if block.marker and block.marker.startswith("not-run:"):
                continue
            if block.lang in ("sh", "bash") or (block.lang == "python" and block.marker == "run"):
                blocks.append(block)
    return blocks


BLOCKS = _runnable()


def test_blocks_that_do_not_run_say_why():
    markers = [b.marker for page in PAGES for b in code_blocks(page) if b.marker and b.marker.startswith("not-run")]
    assert all(len(m.removeprefix("not-run:").strip()) > 10 for m in markers), markers
    assert len(markers) <= 6, "a few blocks may not run, each with a reason; make the others runnable"
    assert len(BLOCKS) >= 15


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("snippet-state")
    with running_server(ROOT / "scenarios" / "default.yaml", workers=2, extra=("--state-dir", str(state))) as base:
        yield base


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"{b.path.relative_to(ROOT)}:{b.line}")
def test_the_block_runs_as_pasted(block, server, tmp_path):
    code = block.code.replace(DEFAULT_URL, server).replace("/tmp/", f"{tmp_path}/")
    code = code.replace(".venv/bin/", f"{Path(sys.executable).parent}/")  # the environment running the tests
    env = {**os.environ, "DSOP_SANDBOX_URL": server, "TMPDIR": str(tmp_path)}
    env.pop("DSOP_SANDBOX_ADMIN_TOKEN", None)
    argv = ["bash", "-euo", "pipefail", "-c", code] if block.lang in ("sh", "bash") else [sys.executable, "-c", code]
    before = set(os.listdir(ROOT))
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    where = f"{block.path.relative_to(ROOT)}:{block.line}"
    assert done.returncode == 0, f"{where} exits {done.returncode}:\n{done.stderr[-3000:]}\n{done.stdout[-2000:]}"
    assert not ERROR_BODY.search(done.stdout), f"{where} printed an error body:\n{done.stdout[-3000:]}"
    assert set(os.listdir(ROOT)) - before == set(), f"{where} left files in the repository root"
