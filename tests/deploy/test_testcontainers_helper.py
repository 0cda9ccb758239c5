"""sandbox/container.py: the image through Testcontainers for Python, as a consumer's test suite would start it —
the engine reached through its Docker-compatible API (podman's `system service` here, a Docker daemon elsewhere),
the wait on /health, a mounted scenario and serve options as keywords."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
pytest.importorskip("testcontainers", reason="the `containers` extra (testcontainers) is not installed")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def docker_api(image, tmp_path_factory):
    """DOCKER_HOST for Testcontainers: the Docker daemon's own, or a podman API service on a socket in tmp.
    Ryuk (Testcontainers' reaper) is off: its image comes from a registry this machine cannot reach, and the
    container is removed by the `with` block anyway. The connection mode is `docker_host` (published ports on
    this host): Testcontainers takes this machine for a container and would otherwise ask for a gateway IP."""
    from testcontainers.core.config import ConnectionMode, testcontainers_config

    engine, _ = image
    saved = {k: os.environ.get(k) for k in ("DOCKER_HOST", "TESTCONTAINERS_RYUK_DISABLED")}
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    mode = testcontainers_config.connection_mode_override
    testcontainers_config.connection_mode_override = ConnectionMode.docker_host
    service = None
    if engine.name == "podman":
        sock = tmp_path_factory.mktemp("podman") / "api.sock"
        service = subprocess.Popen(engine.cmd("system", "service", "--time=0", f"unix://{sock}"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not sock.exists() and time.time() < deadline:
            time.sleep(0.1)
        os.environ["DOCKER_HOST"] = f"unix://{sock}"
    try:
        yield engine
    finally:
        testcontainers_config.connection_mode_override = mode
        if service is not None:
            service.terminate()
            service.wait(timeout=30)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def ulimits(engine) -> list:
    """The engine's run options (tests/support/containers.py) as Docker API ulimits."""
    from docker.types import Ulimit

    opts = engine.run_options()
    pairs = [opts[i + 1] for i, o in enumerate(opts) if o == "--ulimit"]
    return [Ulimit(name=n, soft=int(v.split(":")[0]), hard=int(v.split(":")[1]))
            for n, v in (p.split("=") for p in pairs)]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def test_a_sandbox_container_with_a_mounted_scenario_and_options(image, docker_api, tmp_path):
    from sandbox.container import SandboxContainer

    engine, tag = image
    scenario = tmp_path / "tc.yaml"
    scenario.write_text((ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    scenario.chmod(0o644)
    with SandboxContainer(tag, scenario=scenario, auth="off", today="2025-05-31", allow_fault_headers=True,
                          workers=1, docker_kwargs={"ulimits": ulimits(engine)}) as sandbox:
        health = get_json(sandbox.base_url + "/health")
        assert (health["scenario"], health["auth"], health["today"]) == ("small", False, "2025-05-31")
        # its public URL is the one the test reaches: the directory's bank URLs work as they are
        directory = get_json(sandbox.base_url + "/altinn/v1/directharvest/Kontrollinformasjon?envelope=false")
        assert directory and all(e["url"].startswith(sandbox.base_url + "/banks/") for e in directory
                                 if e.get("version") == "v2")
