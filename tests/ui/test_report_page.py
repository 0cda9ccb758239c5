"""The conformance report page (`/traffic/cases/<id>/report`, sandbox/conformance): linked from a run's result and
from the case page, the verdict and every check in big type, a failing check with its requests and the fix."""

from __future__ import annotations

import re
import uuid

import pytest

from sandbox.app import build_services, create_app
from sandbox.config import Settings
from tests.ui.test_ui import post_run, text


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    services = build_services(Settings(state_dir=str(tmp_path_factory.mktemp("report-state"))))
    return create_app(services.settings, services)


@pytest.fixture()
def client(app):
    return app.test_client()


def test_a_run_links_its_report_and_the_reference_client_passes(client):
    response, page, case_id = post_run(client, service="skatt", party="ola-joint", **{"from": "2025-06-01",
                                                                                        "to": "2025-06-30"})
    assert case_id and f'href="/traffic/cases/{case_id}/report"' in page
    case_page = client.get(f"/traffic/cases/{case_id}").get_data(as_text=True)
    assert f'href="/traffic/cases/{case_id}/report"' in case_page
    report = client.get(f"/traffic/cases/{case_id}/report")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and 'class="verdict verdict-pass"' in html
    shown = text(report)
    assert "PASS" in shown and "0 fail" in shown and "Fix:" not in shown
    assert len(re.findall(r'data-check="[a-z0-9-]+"', html)) == 20


def test_a_failing_check_shows_its_requests_and_the_fix(client):
    case_id, cid = str(uuid.uuid4()), str(uuid.uuid4())
    for _ in range(2):  # the same CorrelationID twice, no token, no mandate
        client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2025-01-01&toDate=2025-06-30",
                   headers={"AccountInfoRequestID": case_id, "CorrelationID": cid, "CustomerID": "20907245528"})
    report = client.get(f"/traffic/cases/{case_id}/report")
    html = report.get_data(as_text=True)
    assert 'class="verdict verdict-fail"' in html
    failing = re.findall(r'data-check="([a-z0-9-]+)" data-status="fail"', html)
    assert "correlation-id-unique" in failing and "legal-mandate" in failing
    shown = text(report)
    assert "GET /kar-ws/api/v2/customers/customerRelationships" in shown and "Fix: Generate the CorrelationID" in shown


def test_an_unknown_case_says_so(client):
    response = client.get("/traffic/cases/no-such-case/report")
    assert response.status_code == 200 and "No request in the log carries" in text(response)
