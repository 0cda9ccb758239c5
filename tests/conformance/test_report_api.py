"""`GET /sandbox/v1/cases/{id}/report`: the grader's report as JSON, behind the admin token like every admin
route, 404 in the admin format for a case the log does not know."""

from __future__ import annotations

import uuid

from sandbox.conformance.grader import ORDER
from tests.audit.test_audit import SCENARIO


def test_the_report_is_json_and_guarded_by_the_admin_token(make_app):
    app = make_app(SCENARIO, fresh=True, admin_token="s3cret-admin")
    client = app.test_client()
    case_id = str(uuid.uuid4())
    client.get("/kar-ws/api/v2/customers/customerRelationships?fromDate=2025-01-01&toDate=2025-06-30",
               headers={"AccountInfoRequestID": case_id, "CorrelationID": str(uuid.uuid4()),
                        "CustomerID": "20907245528"})
    assert client.get(f"/sandbox/v1/cases/{case_id}/report").status_code == 401
    r = client.get(f"/sandbox/v1/cases/{case_id}/report", headers={"Sandbox-Admin-Token": "s3cret-admin"})
    assert r.status_code == 200
    report = r.json
    assert report["accountInfoRequestId"] == case_id and report["requests"] == 1
    assert [c["id"] for c in report["checks"]] == list(ORDER)
    assert report["status"] == "fail"  # no mandate, no RequesterID: the register refused it
    mandate = next(c for c in report["checks"] if c["id"] == "legal-mandate")
    assert mandate["status"] == "fail" and mandate["offending"][0]["note"] == "no Legal-Mandate header"
    missing = client.get("/sandbox/v1/cases/nope/report", headers={"Sandbox-Admin-Token": "s3cret-admin"})
    assert missing.status_code == 404 and "nope" in missing.json["message"]
