"""The OCI image (Containerfile) built and run with the machine's container engine (tests/support/containers.py):
it serves the default scenario and the README's curl walk passes against it, as a non-root user, with a working
health check; a mounted scenario and DSOP_SANDBOX_* variables configure it; SIGTERM stops it cleanly (exit 0).
Skipped, with the exact reason, where no engine can build and run it."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import free_port, get
from tests.e2e.test_readme_walk import readme_block

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "http://127.0.0.1:8000"
pytestmark = pytest.mark.slow


@contextmanager
def container(engine, tag: str, *options: str, env: dict | None = None):
    """A container of the image on a free port of 127.0.0.1, its public URL that port; (name, base URL)."""
    port = free_port()
    name = f"dsop-test-{uuid.uuid4().hex[:8]}"
    base = f"http://127.0.0.1:{port}"
    env = {"DSOP_SANDBOX_PUBLIC_URL": base, **(env or {})}
    flags = [f for k, v in env.items() for f in ("-e", f"{k}={v}")]
    engine("run", "-d", "--name", name, *engine.run_options(), "-p", f"127.0.0.1:{port}:8000", *flags, *options, tag)
    try:
        deadline = time.time() + 120
        while True:
            try:
                if get(base + "/health", {})[0] == 200:
                    break
            except OSError:
                pass
            state = engine("inspect", "--format", "{{.State.Running}}", name, check=False).stdout.strip()
            if state != "true" or time.time() > deadline:
                logs = engine("logs", name, check=False)
                raise AssertionError(f"the container did not become healthy: {logs.stdout[-3000:]}{logs.stderr[-2000:]}")
            time.sleep(0.5)
        yield name, base
    finally:
        engine("rm", "-f", name, check=False)


def test_the_image_serves_the_default_scenario_and_the_readme_walk_passes(image):
    engine, tag = image
    with container(engine, tag) as (name, base):
        health = json.loads(get(base + "/health", {})[1])
        assert (health["scenario"], health["auth"], health["audit"]) == ("default", True, True)
        assert engine("exec", name, "id", "-u").stdout.strip() == "10001"  # not root
        if engine.name == "podman":
            assert engine("healthcheck", "run", name, check=False).returncode == 0
        assert "/health" in engine("inspect", "--format", "{{json .Config.Healthcheck}}", name).stdout

        # the README's walk, its tokens from the image's own CLI
        script = readme_block("A whole case with curl")
        token = shlex.join(engine.cmd("exec", name, "dsop-sandbox")) + f" token --public-url {base}"
        script = script.replace(".venv/bin/dsop-sandbox token", token).replace(DEFAULT_URL, base)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        bodies = [json.loads(line) for line in lines if line.startswith(("{", "["))]
        assert len(bodies) == 8, lines  # register, directory, accounts, details, transactions, cards, roles, owners
        assert not [b for b in bodies if isinstance(b, dict) and ({"code", "errorCode", "statusCode"} & set(b))]
        ref = re.search(r"^REF=(\S+)", script, re.M).group(1)
        assert bodies[2]["accounts"][0]["accountReference"] == ref
        assert [line.count(".") for line in lines if not line.startswith(("{", "["))] == [4]  # one compact JWE

        # the request log saw the walk (the state directory is writable by the unprivileged user)
        status, body = get(base + "/sandbox/v1/cases/3f2b8c1e-0000-4000-8000-000000000001", {})
        assert status == 200 and len(json.loads(body)["requests"]) == 8  # every call but the directory


def test_a_mounted_scenario_and_environment_variables_configure_it(image, tmp_path):
    engine, tag = image
    scenario = tmp_path / "mine.yaml"
    text = (ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8")
    scenario.write_text(re.sub(r"^name: *\S+", "name: mounted-scenario", text, count=1, flags=re.M), encoding="utf-8")
    scenario.chmod(0o644)
    env = {"DSOP_SANDBOX_SCENARIO": "/scenario/scenario.yaml", "DSOP_SANDBOX_AUTH": "off",
           "DSOP_SANDBOX_WORKERS": "1", "DSOP_SANDBOX_TODAY": "2025-01-31", "DSOP_SANDBOX_NO_AUDIT": "true"}
    with container(engine, tag, "-v", f"{scenario}:/scenario/scenario.yaml:ro", env=env) as (name, base):
        health = json.loads(get(base + "/health", {})[1])
        assert (health["scenario"], health["auth"], health["today"], health["audit"]) == \
            ("mounted-scenario", False, "2025-01-31", False)
        # SIGTERM (podman stop, a Kubernetes rollout): gunicorn drains and exits 0
        engine("stop", "-t", "60", name, timeout=90)
        assert engine("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip() == "0"


def test_a_bad_scenario_stops_the_container_with_the_problem(image, tmp_path):
    engine, tag = image
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: bad\nbanks: 3\n", encoding="utf-8")
    bad.chmod(0o644)
    done = engine("run", "--rm", *engine.run_options(), "-v", f"{bad}:/scenario/scenario.yaml:ro",
                  "-e", "DSOP_SANDBOX_SCENARIO=/scenario/scenario.yaml", tag, check=False, timeout=120)
    assert done.returncode == 2 and "banks" in done.stderr and "Traceback" not in done.stderr
