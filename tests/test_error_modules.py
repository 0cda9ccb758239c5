"""Issue 14 "Honest edges": every error body is written by its API's errors module, through the schema that
documents it — a source scan finds no hand-built body elsewhere, and each module's bodies load back through
their schema unchanged."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from sandbox.admin import errors as admin_errors
from sandbox.bank import errors as bank_errors
from sandbox.maskinporten import errors as oauth_errors
from sandbox.register import errors as register_errors

PACKAGE = Path(__file__).resolve().parents[1] / "sandbox"

#: The key sets of the four error formats (and the register's 401 special case).
BODY_SHAPES = ({"code", "message"}, {"errorCode", "errorMessage", "timestamp"}, {"statusCode", "message"},
               {"error", "error_description"}, {"error", "message"}, {"error", "message", "field"})
ERROR_MODULES = {"bank/errors.py", "register/errors.py", "maskinporten/errors.py", "admin/errors.py"}


def _hand_built(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
            if {k.value for k in node.keys} in BODY_SHAPES:
                lines.append(node.lineno)
    return lines


def test_no_error_body_is_built_outside_its_errors_module():
    found = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
             if str(path.relative_to(PACKAGE)) not in ERROR_MODULES and (lines := _hand_built(path))}
    assert found == {}


def test_the_scan_sees_a_hand_built_body(tmp_path):
    """The scan above can fail: a literal of a known shape is found."""
    source = tmp_path / "m.py"
    source.write_text('def f(s, m):\n    return {"error": s, "message": m}\n', encoding="utf-8")
    assert _hand_built(source) == [2]


def test_bank_body_through_its_schema():
    exc = bank_errors.for_status(429, "slow down")
    assert exc.body() == {"code": "ACC-022", "message": "slow down"}
    assert bank_errors.for_status(503, "down", "ACC-123").body() == {"code": "ACC-123", "message": "down"}
    assert bank_errors.ERROR_SCHEMA.load(exc.body()) == {"code": "ACC-022", "message": "slow down"}


def test_register_bodies_through_their_schemas():
    body = register_errors.InvalidPeriod("fromDate after toDate").body(date(2025, 6, 30))
    assert body == {"errorCode": "ERR-003", "errorMessage": "fromDate after toDate",
                    "timestamp": "2025-06-30T12:00:00Z"}
    assert list(body) == ["errorCode", "errorMessage", "timestamp"]  # the order the bytes have always had
    from sandbox.register.schemas import ERROR_SCHEMA, UNAUTHORIZED_SCHEMA

    assert ERROR_SCHEMA.validate(body) == {}
    unauthorized = register_errors.provider_unauthorized_body("expired")
    assert unauthorized == {"statusCode": 401, "message": "Unauthorized. Access token is missing or invalid: expired"}
    assert UNAUTHORIZED_SCHEMA.validate(unauthorized) == {}


def test_oauth_body_through_its_schema():
    body = oauth_errors.TokenRequestError("invalid_grant", "expired").body()
    assert list(body.items()) == [("error", "invalid_grant"), ("error_description", "expired")]
    assert oauth_errors.ERROR_SCHEMA.validate(body) == {}


@pytest.mark.parametrize("args, expected", [
    ((404, "no such endpoint"), {"error": 404, "message": "no such endpoint"}),
    ((400, "bad", "partyID"), {"error": 400, "message": "bad", "field": "partyID"}),
    ((400, "bad", None), {"error": 400, "message": "bad", "field": None}),
])
def test_admin_body_through_its_schema(args, expected):
    body = admin_errors.error_body(*args)
    assert body == expected and list(body) == list(expected)
    assert admin_errors.ERROR_SCHEMA.validate(body) == {}
    assert admin_errors.AdminError(*args[:2]).body() == {"error": args[0], "message": args[1]}


# ---- one ProfileError → wire mapping per API (item 2) --------------------------------------------------------
from sandbox.profiles import errors as profile_errors  # noqa: E402

#: outcome → (bank status, ACC code), (register status, ERR code): the table in sandbox/profiles/errors.py.
WIRE = {"forbidden": ((403, "ACC-011"), (403, "ERR-001")), "endpoint": ((400, "ACC-001"), (403, "ERR-001")),
        "bad_request": ((400, "ACC-001"), (400, "ERR-006")), "period": ((400, "ACC-001"), (400, "ERR-003")),
        "not_found": ((404, "ACC-003"), (403, "ERR-001"))}


def _profile_error_classes():
    return [cls for cls in vars(profile_errors).values()
            if isinstance(cls, type) and issubclass(cls, profile_errors.ProfileError)]


@pytest.mark.parametrize("cls", _profile_error_classes(), ids=lambda cls: cls.__name__)
def test_every_profile_error_has_one_bank_and_one_register_error(cls):
    exc = cls("why")
    bank, register = bank_errors.for_profile(exc), register_errors.for_profile(exc)
    assert ((bank.status, bank.code), (register.status, register.code)) == WIRE[cls.outcome]
    assert bank.message == register.message == "why"


def test_every_outcome_is_covered():
    assert {cls.outcome for cls in _profile_error_classes()} == set(WIRE)
