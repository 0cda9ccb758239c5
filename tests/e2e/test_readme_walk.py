"""The README's "A whole case with curl" block, pasted into bash against a real server with auth on.

The block is taken from README.md as it stands, so a stale accountReference, a header a service profile
now requires or a changed token command fails here before a newcomer meets it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .server import running_server

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "http://127.0.0.1:8000"


def readme_block(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {title}", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_case_walk_runs_with_auth_on(tmp_path):
    script = readme_block("A whole case with curl")
    exe = Path(sys.executable).with_name("dsop-sandbox")
    with running_server(ROOT / "scenarios" / "default.yaml", extra=("--state-dir", str(tmp_path))) as base:
        health = json.loads(subprocess.run(["curl", "-s", base + "/health"], capture_output=True, text=True).stdout)
        assert health["auth"] is True
        script = script.replace(".venv/bin/dsop-sandbox token", f"{exe} token --public-url {base}")
        script = script.replace(DEFAULT_URL, base)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    bodies = [json.loads(line) for line in lines if line.startswith(("{", "["))]  # the directory: a bare array
    jwes = [line for line in lines if not line.startswith(("{", "["))]
    assert len(bodies) == 8, lines  # register, directory, accounts, details, transactions, cards, roles, owners
    assert isinstance(bodies[1], list) and all(e["version"] == "v2" for e in bodies[1])
    errors = [b for b in bodies if isinstance(b, dict) and ("code" in b or "errorCode" in b or "statusCode" in b)]
    assert errors == []
    accounts = bodies[2]["accounts"]
    ref = re.search(r"^REF=(\S+)", script, re.M).group(1)
    assert accounts[0]["accountReference"] == ref, "README's REF is not the first accountReference any more"
    assert bodies[3]["account"]["accountReference"] == ref
    assert len(jwes) == 1 and jwes[0].count(".") == 4, "step 6 should print one compact JWE"
