"""The realism report (sandbox/world/realism.py, `dsop-sandbox validate --realism`): its interface (modules with
FIGURES, each figure a dict), its figures on a built world, and that they notice a world that misbehaves."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.cli.main import main
from sandbox.scenario import load_scenario, load_scenario_text
from sandbox.world import build_world, realism, realism_money
from tests.support import TODAY

KEYS = {"name", "value", "unit", "expected", "ok"}


@pytest.fixture(scope="module")
def world():
    return build_world(load_scenario("scenarios/small.yaml"))


def test_every_figure_module_has_figures_that_return_one_record(world):
    assert realism_money in realism.FIGURE_MODULES
    rows = realism.report(world)
    assert len(rows) == sum(len(m.FIGURES) for m in realism.FIGURE_MODULES) >= 15
    for row in rows:
        assert set(row) == KEYS, row
        assert isinstance(row["ok"], bool) and row["name"] and row["expected"]
    assert len({r["name"] for r in rows}) == len(rows)


def test_the_generated_money_of_a_shipped_world_is_realistic(world):
    """The money figures only: the test world has too few organisations for the legal-form mix (the people
    figures are checked on the default world in test_people_realism.py)."""
    rows = [fn(world) for fn in realism_money.FIGURES]
    assert [r["name"] for r in rows if not r["ok"]] == []
    by_name = {r["name"]: r for r in rows}
    assert by_name["card purchases with a card"]["value"] == 1.0
    assert by_name["salary booked on non-business days"]["value"] == 0.0


def test_a_figure_notices_a_world_that_misbehaves():
    """A scenario's own transactions may break the rules: a card purchase without a card, a salary on Sunday."""
    text = """\
version: 1
name: odd
seed: odd
banks: [{id: alpha, name: ALPHA SPAREBANK, registration_numbers: ["9910"]}]
people: [{id: kari}]
accounts:
  - id: kari-salary
    bank: alpha
    type: salaryAccount
    opened: 2024-01-01
    owners: [{party: kari}]
    activity: {profile: household, amount: 40000, purchases_per_month: 0}
    transactions:
"""
    sundays = [date(2025, 1, 5), date(2025, 2, 2), date(2025, 3, 2), date(2025, 4, 6), date(2025, 5, 4)]
    text += "".join(f"      - {{date: {d}, amount: 100, direction: debit, kind: card_purchase, merchant: KIOSK}}\n"
                    f"      - {{date: {d}, amount: 40000, direction: credit, kind: salary}}\n" for d in sundays)
    odd = build_world(load_scenario_text(text, "odd.yaml", today=TODAY))
    cards = realism_money.card_purchases_with_card(odd)
    assert cards["value"] == 0.0 and not cards["ok"]
    salary = next(fn for fn in realism_money.FIGURES if fn.__name__ == "non_business_salary")(odd)
    assert salary["value"] > 0.2 and not salary["ok"]


def test_format_report_lines():
    rows = [realism.figure("a share", 0.5, "share", "1", False), realism.figure("currencies", "EUR 2", "accounts", "x", True)]
    lines = realism.format_report(rows)
    assert lines[0].split() == ["figure", "value", "unit", "expected"]
    assert lines[1].endswith("NOT OK") and lines[2].endswith("ok")
    assert lines[-1] == "1 of 2 figures as expected"


def test_validate_realism_prints_the_report(capsys):
    assert main(["validate", "scenarios/small.yaml", "--realism"]) == 0
    out = capsys.readouterr().out
    assert "card purchases with a card" in out and "figures as expected" in out
    assert main(["validate", "scenarios/small.yaml"]) == 0
    assert "figures as expected" not in capsys.readouterr().out
