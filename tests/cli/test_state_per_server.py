"""Without --state-dir, each server gets its own state directory (scenario, seed, port), shown in the banner and
in /health (issue 15): two servers started side by side never see each other's requests or clock."""

from __future__ import annotations

import json
import urllib.request

from sandbox.cli.main import build_parser
from sandbox.cli.serve import settings_from_args
from sandbox.config import default_state_dir
from tests.e2e.server import running_server


def test_the_default_state_dir_is_per_scenario_seed_and_port(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    settings = settings_from_args(build_parser().parse_args(["serve", "--scenario", "small", "--port", "8001"]))
    assert settings.state_dir == str(tmp_path / "dsop-sandbox" / "small-port-8001")
    assert default_state_dir("scenarios/default.yaml", "42", 8000).endswith("dsop-sandbox/default-seed-42-port-8000")
    explicit = build_parser().parse_args(["serve", "--state-dir", str(tmp_path / "mine")])
    assert settings_from_args(explicit).state_dir == str(tmp_path / "mine")


def _get(base: str, path: str, method: str = "GET", body: bytes | None = None):
    request = urllib.request.Request(base + path, data=body, method=method,
                                     headers={"Content-Type": "application/json"} if body else {})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())


def test_two_servers_without_state_dir_share_neither_log_nor_clock(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    with running_server("small", own_state=False) as one, running_server("small", own_state=False) as two:
        first, second = _get(one, "/health"), _get(two, "/health")
        assert first["state_dir"] != second["state_dir"]
        assert all(h["state_dir"].startswith(str(tmp_path / "dsop-sandbox")) for h in (first, second))
        _get(one, "/altinn/v1/directharvest/Kontrollinformasjon")
        assert _get(one, "/sandbox/v1/requests")["requests"]
        assert _get(two, "/sandbox/v1/requests")["requests"] == []
        moved = _get(one, "/sandbox/v1/clock", "POST", b'{"advance": "+3d"}')["today"]
        assert _get(one, "/health")["today"] == moved != _get(two, "/health")["today"]
