"""The benchmark tools of tests/perf/ (run by `make bench`, not by `make test`) stay in working order:
the scale generator writes valid scenarios with the long account the benchmarks need, and the ceiling app
answers the captured bytes."""

from __future__ import annotations

import base64
import sys
from datetime import date
from pathlib import Path

PERF = Path(__file__).resolve().parent / "perf"
sys.path.insert(0, str(PERF))

import ceiling_app  # noqa: E402
import gen_scenario  # noqa: E402
import perfkit  # noqa: E402


def test_generated_scenario_is_valid_and_has_a_ten_year_old_account(tmp_path):
    from sandbox.scenario import load_scenario
    from sandbox.world import build_world

    out = tmp_path / "bench.yaml"
    assert gen_scenario.main(["--people", "40", "--out", str(out)]) == 0
    world = build_world(load_scenario(out))
    counts = world.counts()
    assert counts["people"] == 42 and counts["organisations"] == 4
    long = world.accounts["bench-decade-salary"]
    assert long.opened <= date(2015, 6, 30)
    assert len(world.transactions(long, type(long.lifecycles[0])(date(2015, 7, 1), world.today))) > 1000


def test_generator_refuses_sizes_outside_the_format():
    assert gen_scenario.main(["--people", "-1", "--out", "/nonexistent/x.yaml"]) == 2


def test_ceiling_serves_the_captured_bytes_and_echoes_correlation_id():
    body = b'{"banks": []}'
    app = ceiling_app.create_ceiling_app({"responses": [
        {"path": "/kar-ws/api/v2/customers/customerRelationships", "query": "fromDate=2024-01-01&toDate=2025-06-30",
         "status": 200, "content_type": "application/json", "echo_correlation_id": True,
         "body_b64": base64.b64encode(body).decode()}]})
    client = app.test_client()
    r = client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2024-01-01&toDate=2025-06-30",
                   headers={"CorrelationID": "abc"})
    assert (r.status_code, r.data, r.headers["CorrelationID"], r.mimetype) == (200, body, "abc", "application/json")
    assert client.get("/kar-ws/api/v2/customers/customerRelationships").status_code == 404


def test_wrk_script_quotes_header_values():
    script = perfkit.wrk_script("/a?b=1&c=%20", {"Legal-Mandate": "x%20y", "Authorization": "Bearer a.b.c"})
    assert '[ [==[Authorization]==] ] = [==[Bearer a.b.c]==]' in script
    assert 'local path = [==[/a?b=1&c=%20]==]' in script
