"""The compiled strict schemas (tests/support/fastschema.py) judge bodies as jsonschema's OAS30Validator does.

The contract tests accept a body on the compiled schema's word alone, so it must never accept what the
OpenAPI 3.0 validator refuses: checked here on real bodies and on one breakage of each kind.
"""

from __future__ import annotations

import copy

import pytest

from tests.support import fastschema


@pytest.fixture(scope="module")
def bodies(api):
    ref = api.ref("ola", "ola-salary")
    return {"Accounts": api.accounts("alpha", "ola"), "AccountDetails": api.details("alpha", ref),
            "Transactions": api.transaction_pages("alpha", ref)[0], "Cards": api.cards("alpha", ref)}


def _verdicts(contract, name, body):
    try:
        contract._compiled[name](body)
        compiled = True
    except fastschema.Invalid:
        compiled = False
    return compiled, not any(True for _ in contract._validators[name].iter_errors(body))


def _first(body, key):
    """The first dict (depth first) holding `key`."""
    if isinstance(body, dict):
        if key in body:
            return body
        values = body.values()
    elif isinstance(body, list):
        values = body
    else:
        return None
    for value in values:
        found = _first(value, key)
        if found is not None:
            return found
    return None


def _set_date(body, value):
    """Replace the first string field named `...Date` (depth first)."""
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, old in items:
        if isinstance(key, str) and key.endswith("Date") and isinstance(old, str):
            body[key] = value
            return True
        if _set_date(old, value):
            return True
    return False


BREAKAGES = {
    "an undeclared key": lambda b: b.__setitem__("surprise", 1),
    "a missing required key": lambda b: b.pop("responseDetails"),
    "a wrong type": lambda b: b.__setitem__("responseDetails", "complete"),
    "an impossible date": lambda b: _set_date(b, "2024-02-30"),
    "a date in the wrong shape": lambda b: _set_date(b, "30.06.2024"),
    "a currency that breaks the pattern": lambda b: _first(b, "currency") and _first(b, "currency").__setitem__(
        "currency", "nok"),
    "an unknown enum value": lambda b: _first(b, "status") and _first(b, "status").__setitem__("status", "partly"),
    "a null": lambda b: _first(b, "currency") and _first(b, "currency").__setitem__("currency", None),
}


@pytest.mark.parametrize("name", ["Accounts", "AccountDetails", "Transactions", "Cards"])
def test_real_bodies_pass_both(contract, bodies, name):
    assert _verdicts(contract, name, bodies[name]) == (True, True)


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
@pytest.mark.parametrize("name", ["Accounts", "AccountDetails", "Transactions"])
def test_a_broken_body_is_refused_by_both(contract, bodies, name, breakage):
    body = copy.deepcopy(bodies[name])
    BREAKAGES[breakage](body)
    assert body != bodies[name], f"{name} has no field for {breakage}"
    assert _verdicts(contract, name, body) == (False, False)
