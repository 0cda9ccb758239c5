"""After a death or a bankruptcy, over HTTP (sandbox/world: Account.frozen): the bank books only its own entries
on an account none of whose owners can act any more. Personas from support.py: Arne died 2025-06-09, Smuldre
Bakeri was declared bankrupt 2025-02-28; today is 2025-06-30. Every body is checked against the contract."""

from __future__ import annotations

from tests.support import BankApi, T

DEATH = "2025-06-09"
RULING = "2025-02-28"


def test_bankrupt_company_account_has_only_bank_entries_after_the_ruling(api: BankApi):
    ref = api.ref("bakeri", "bakeri-drift")
    before = api.transactions("alpha", ref, ("2025-01-01", "2025-02-27"))
    assert {t["transactionCode"]["domain"] for t in before} == {"payments", "accountManagement"}
    after = api.transactions("alpha", ref, (RULING, T))
    assert after, "the monthly fee goes on"
    assert {(t["transactionCode"]["domain"], t["transactionCode"]["subFamily"]) for t in after} == {
        ("accountManagement", "fees")}
    assert not any("paymentCard" in t or "merchant" in t for t in after)
    assert api.details("alpha", ref, (RULING, T))["account"]["status"] == "disabled"


def test_no_deposits_on_a_dead_owners_savings_account_after_the_death(api: BankApi):
    ref = api.ref("arne", "arne-savings")
    may = api.transactions("alpha", ref, ("2025-05-01", "2025-05-31"))
    # the monthly saving while he lived (a savings agreement from his own account, or a deposit)
    assert any(t.get("additionalInfo") in ("Spareavtale", "Innskudd") for t in may)
    assert api.transactions("alpha", ref, (DEATH, T)) == []  # no deposit, no month-end transfer since
    balances = api.details("alpha", ref, ("2025-05-31", T))["account"]["balances"]
    booked_today = next(b for b in balances if b["type"] == "bookedBalance")["amount"]
    booked_may = api.details("alpha", ref, ("2025-05-01", "2025-05-31"))["account"]["balances"][0]["amount"]
    assert booked_today == booked_may
