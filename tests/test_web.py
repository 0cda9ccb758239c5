"""sandbox/web.py: the lower-cased header mapping reads the WSGI environ exactly as werkzeug does (D10); error bodies (D4)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import EnvironHeaders as WerkzeugHeaders
from werkzeug.test import EnvironBuilder

from sandbox.dsop.wire import Rendered, body_bytes
from sandbox.web import EnvironHeaders


def test_environ_headers_match_a_dict_of_werkzeugs_headers():
    builder = EnvironBuilder(path="/x", method="POST", data=b"{}", content_type="application/json", headers={
        "Legal-Mandate": "Skatteforvaltningsloven%20%C2%A7%2010-2", "PartyID": " 17858027241 ",
        "correlationid": "3f2b8c1e-0000-4000-8000-000000000001", "X-Empty": "", "AccountID": "99101785188"})
    environ = builder.get_environ()
    expected = {k.lower(): v for k, v in WerkzeugHeaders(environ).items()}  # what request_headers() used to build
    ours = EnvironHeaders(environ)
    assert dict(ours.items()) == expected and set(ours) == set(expected) and len(ours) == len(expected)
    for name, value in expected.items():
        assert ours.get(name) == value and ours[name] == value and name in ours, name
    for absent in ("requesterid", "Legal-Mandate", "legal_mandate", "", "http-legal-mandate"):
        assert ours.get(absent) is None and absent not in ours and ours.get(absent, "d") == "d", absent
    assert ours.get("content-type") == "application/json" and ours.get("content-length") == "2"


def test_a_rendered_body_forgets_its_bytes_when_changed():
    body = Rendered({"a": [1, 2], "b": {"c": 1}})
    assert body_bytes(body) == b'{"a":[1,2],"b":{"c":1}}' and body.copy().json is body.json
    for change in (lambda b: b.__setitem__("a", []), lambda b: b.pop("a"), lambda b: b.update(x=1),
                   lambda b: b.setdefault("y", 2), lambda b: b.__delitem__("b"), lambda b: b.clear(),
                   lambda b: b.popitem()):
        copy = body.copy()
        change(copy)
        assert body_bytes(copy) == body_bytes(dict(copy)), "the bytes follow the change"
    assert body_bytes(body) == b'{"a":[1,2],"b":{"c":1}}', "the original keeps its bytes"


@pytest.mark.parametrize("status, code", [(400, "ACC-001"), (404, "ACC-002"), (405, "ACC-012"), (406, "ACC-013"),
                                          (413, "ACC-001"), (429, "ACC-022"), (500, "ACC-100"), (503, "ACC-100")])
def test_http_level_errors_map_to_one_acc_code_per_status(status, code):
    """D4: routing, HTTP-server and injected-fault errors take their bank code from bank.errors.for_status, the
    register's from register.errors.HttpError (ERR-<status>)."""
    from datetime import date

    from sandbox.web import error_body

    assert error_body("/banks/320907063/v2/accounts", status, "why", date(2025, 6, 30)) == {"code": code, "message": "why"}
    assert error_body("/kar-ws/api/v2/customers/x", status, "why", date(2025, 6, 30)) == {
        "errorCode": f"ERR-{status}", "errorMessage": "why", "timestamp": "2025-06-30T12:00:00Z"}
