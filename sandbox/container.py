"""The sandbox's image as a Testcontainers container, for Python consumer test suites (docs/containers.md).

    from sandbox.container import SandboxContainer

    with SandboxContainer("dsop-sandbox:latest", scenario="tests/my-world.yaml", auth="off") as sandbox:
        requests.get(sandbox.base_url + "/kar-ws/api/v2/customers/customerRelationships?...", headers=...)

What it sets up: the image's port 8000 bound to a free port of the host, the wait on `/health` (the world is built
before the server listens, so a 200 means it answers), a scenario file mounted read-only at /scenario (or a
shipped scenario's name), and every other keyword as the `serve` option of that name (`allow_fault_headers=True`
→ DSOP_SANDBOX_ALLOW_FAULT_HEADERS=1, `maskinporten_alias=[...]` → a comma list).

Why a fixed host port rather than a random one: the sandbox's public URL is in what it answers (the directory's
bank URLs, the tokens' `aud`), so it must be the URL the test reaches it at, and that is only known before the
container starts when the port is chosen first. The port is a free one, so parallel suites do not collide.

Needs the `containers` extra (Testcontainers for Python); the rest of the package never imports this module.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

try:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("sandbox.container needs Testcontainers: pip install 'dsop-sandbox[containers]'") from exc

#: The port the image serves on (its DSOP_SANDBOX_PORT).
PORT = 8000
SCENARIO_PATH = "/scenario/scenario.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env_value(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


class SandboxContainer(DockerContainer):
    """A running sandbox: `base_url` is where to reach it and what it calls itself."""

    def __init__(self, image: str | None = None, *, scenario: str | os.PathLike | None = None,
                 port: int | None = None, host: str = "127.0.0.1", startup_timeout: float = 180,
                 docker_kwargs: dict | None = None, **options):
        """`image`: default $DSOP_SANDBOX_IMAGE, else dsop-sandbox:latest (what `podman build -t dsop-sandbox .`
        tags). `scenario`: a YAML file (mounted) or a shipped scenario's name. `host`: the address the test
        reaches the engine's published ports at. `docker_kwargs`: passed to the engine's container create (e.g.
        ulimits). Other keywords: serve options, e.g. auth="off", today="2025-06-30", allow_fault_headers=True."""
        super().__init__(image or os.environ.get("DSOP_SANDBOX_IMAGE", "dsop-sandbox:latest"), **(docker_kwargs or {}))
        self.host_port = port or _free_port()
        self.base_url = f"http://{host}:{self.host_port}"
        self.with_bind_ports(PORT, self.host_port)
        self.with_env("DSOP_SANDBOX_PUBLIC_URL", self.base_url)
        if scenario is not None:
            path = Path(scenario)
            if path.suffix in (".yaml", ".yml") or path.exists():
                self.with_volume_mapping(str(path.resolve()), SCENARIO_PATH, "ro")
                self.with_env("DSOP_SANDBOX_SCENARIO", SCENARIO_PATH)
            else:
                self.with_env("DSOP_SANDBOX_SCENARIO", str(scenario))
        for name, value in options.items():
            if value is not None:
                self.with_env("DSOP_SANDBOX_" + name.upper(), _env_value(value))
        self.waiting_for(HttpWaitStrategy(PORT, "/health").for_status_code(200).with_startup_timeout(startup_timeout))
