"""`dsop-sandbox flow` completes a case for every persona of the README table, and its JSON output matches
what the world holds: the banks the party knew, the accounts it may see, balances, transaction counts, cards,
roles and owners (computed here from the World's own queries, not from the bank rules)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sandbox import cli
from sandbox.background import BackgroundServer
from sandbox.world.ledger import month_end
from sandbox.world.period import Period

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("skatt", "politi", "konkurs", "oed", "verge", "fi-utlegg")


def readme_personas() -> list[tuple[str, str, str]]:
    """(persona id, identity number, first service of "typically looked up by") from the README table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Personas of the default scenario", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and re.fullmatch(r"`[a-z0-9-]+`", cells[0]):
            services = re.findall(r"\(([a-z-]+)[,):]", cells[-1])
            rows.append((cells[0].strip("`"), cells[2].strip("`"), services[0]))
    return rows


PERSONAS = readme_personas()


def flow_args(persona: str, service: str) -> tuple[list[str], int]:
    """The flow command line for a persona's case, and the exit status it should end with."""
    if service == "verge":  # the ward is the subject; a guardian persona is the srf AdditionalReferenceID
        if persona == "bente-ward":
            return ["--party", "bente-ward", "--service", "verge", "--guardian", "trond-guardian"], 0
        return ["--party", "bente-ward", "--service", "verge", "--guardian", persona], (
            1 if persona == "gunn-former-guardian" else 0)  # D13: a former guardian is refused (403 ACC-011)
    return ["--party", persona, "--service", service], 0


def test_the_readme_table_was_read():
    assert len(PERSONAS) >= 20
    assert {s for _, _, s in PERSONAS} <= set(SERVICES)
    assert {"skatt", "politi", "konkurs", "oed", "verge"} <= {s for _, _, s in PERSONAS}


@pytest.fixture(scope="module")
def server():
    with BackgroundServer("default", audit=False) as s:
        yield s


# ---- the world's view -----------------------------------------------------------------------------------------
def span_of(world, party, account, window: Period) -> Period | None:
    """The part of the window in which the party owned or disposed the account."""
    rels = [r.period for r in world.relations(party.id, window, kinds=("owner", "role")) if r.account_id == account.id]
    if not rels:
        return None
    start = max(window.start, min(p.start for p in rels))
    end = window.end if any(p.end is None for p in rels) else min(window.end, max(p.end for p in rels))
    return Period(start, end)


def check_against_world(doc: dict, world, service: str) -> None:
    party = world.party_by_identifier[doc["partyID"]]
    window = Period(date.fromisoformat(doc["fromDate"]), date.fromisoformat(doc["toDate"]))
    today = world.today
    related = {world.accounts[r.account_id].number for r in world.relations(party.id, window, kinds=("owner", "role"))}
    primary = {world.accounts[r.account_id].number
               for r in world.relations(party.id, window, kinds=("owner",)) if r.primary}
    banks = {b.org_number for b in world.banks_for(party.id, window)}
    listed_banks = {b["organizationID"] for b in doc["banks"]}
    assert listed_banks <= banks
    if not doc["onlyPrimaryOwner"]:
        assert listed_banks == banks, "customerRelationships names every bank the party knew in the period"
    seen = set()
    for bank in doc["banks"]:
        if bank.get("status") == "refused":
            continue
        for a in bank["accounts"]:
            number = a["accountIdentifier"]
            account = world.account_by_number[number]
            seen.add(number)
            assert world.banks[account.bank_id].org_number == bank["organizationID"]
            assert number in related, f"{number}: the party had no relation with it in the period"
            if doc["onlyPrimaryOwner"]:
                assert number in primary
            assert a["delivered"] == (not account.data_not_delivered)
            if not a["delivered"]:
                continue
            span = span_of(world, party, account, window)
            if "balances" in a:
                booked = next((b for b in a["balances"] if b["type"] == "bookedBalance"), None)
                if account.closed_within(window) or account.type == "accountWithoutBalance":
                    assert a["balances"] == []
                else:
                    sign = 1 if booked["creditDebitIndicator"] == "credit" else -1
                    assert round(sign * booked["amount"] * 100) == world.balance(account, span.end), number
                    available = any(b["type"] == "availableBalance" for b in a["balances"])
                    assert available == (span.end == today and account.is_open_on(today))
            if "transactions" in a:
                expected = len(world.transactions(account, span))
                if span.end == today:
                    expected += len(world.ledger.pending(account))
                assert a["transactions"]["count"] == expected, number
            if "paymentCards" in a:
                cards = [c for c in account.cards if Period(c.issued, month_end(c.expires)).overlaps(span)]
                assert len(a["paymentCards"]) == len(cards)
                for shown in a["paymentCards"]:
                    assert any(c.number[:6] == shown["cardIdentifier"][:6] and c.number[-4:] ==
                               shown["cardIdentifier"][-4:] for c in cards)
            if "roles" in a:
                holders = {world.parties[x.party_id].identifier
                           for x in (*account.owners, *account.roles) if x.period.overlaps(span)}
                assert {r["identifier"]["value"] for r in a["roles"]} <= holders
            if "accountOwners" in a:
                owners = {world.parties[o.party_id].identifier for o in account.owners if o.period.overlaps(window)}
                assert {o["identifier"]["value"] for o in a["accountOwners"]} == owners
    complete = service in ("skatt", "politi") and not doc["onlyPrimaryOwner"] and not party.shielded
    if complete:  # Skatt, and Politi alt. 2: every owned or disposed account at a listed bank
        assert seen == {n for n in related if world.banks[world.account_by_number[n].bank_id].org_number in listed_banks}
    if service in ("konkurs", "oed", "fi-utlegg") and not party.shielded:
        assert seen == {n for n in primary if world.banks[world.account_by_number[n].bank_id].org_number in listed_banks}
    if party.shielded:
        assert not seen


# ---- every persona ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona, identifier, service", PERSONAS, ids=[p[0] for p in PERSONAS])
def test_flow_completes_the_persona_case_and_matches_the_world(server, persona, identifier, service, tmp_path,
                                                                capsys):
    args, status = flow_args(persona, service)
    out = tmp_path / "case.json"
    code = cli.main(["flow", "--base-url", server.base_url, *args, "--json", str(out), "--quiet"])
    report = capsys.readouterr().out
    assert code == status, report
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "Totals:" in report and "Timings:" in report
    assert doc["service"] == args[3]
    if args[1] == persona:
        assert doc["partyID"] == identifier
    if status == 0:
        assert not doc["summary"]["refusals"], report
        check_against_world(doc, server.world, doc["service"])
    else:
        assert "ACC-011" in report
    for bank in doc["banks"]:
        assert f"({bank['organizationID']})" in report
        for a in bank["accounts"]:
            assert a["accountIdentifier"] in report


def test_the_report_names_balances_counts_and_partial_answers(server, capsys):
    code = cli.main(["flow", "--base-url", server.base_url, "--party", "nils-history", "--service", "skatt",
                     "--quiet"])
    report = capsys.readouterr().out
    assert code == 0
    assert "Partial" in report and "page(s)" in report and "booked" in report
    assert re.search(r"transactions\s+\d[\d ]* in [2-9] page\(s\)", report), "10 years of Nils need paging"


def test_flow_with_an_in_process_sandbox(tmp_path, capsys):
    out = tmp_path / "case.json"
    code = cli.main(["flow", "--scenario", "small", "--party", "17858441641", "--service", "skatt",
                     "--json", str(out), "--stable", "--case-id", "3f2b8c1e-0000-4000-8000-0000000f1010", "--quiet"])
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["accounts"] >= 3 and "timings" not in doc
    assert doc["accountInfoRequestID"] == "3f2b8c1e-0000-4000-8000-0000000f1010"


def test_the_command_prints_progress_on_stderr_and_the_report_on_stdout(server):
    exe = Path(sys.executable).with_name("dsop-sandbox")
    run = subprocess.run([str(exe), "flow", "--base-url", server.base_url, "--party", "smuldre-bakeri",
                          "--service", "konkurs", "--json", "-"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)  # --json -: only JSON on stdout
    assert doc["fromDate"] == "2024-02-28" and doc["toDate"] == "2025-06-30"  # ruling − 12 months .. today
    assert all(a["status"] == "disabled" for b in doc["banks"] for a in b["accounts"])
    assert "register:" in run.stderr and "accounts" in run.stderr


@pytest.mark.parametrize("args, message", [
    (["--party", "nobody-here", "--service", "skatt"], "no party"),
    (["--party", "bente-ward", "--service", "verge"], "--guardian"),
    (["--party", "ola-joint", "--service", "oed"], "date of death"),
])
def test_usage_problems_exit_2_with_a_message(server, capsys, args, message):
    assert cli.main(["flow", "--base-url", server.base_url, *args, "--quiet"]) == 2
    assert message in capsys.readouterr().err


def test_progress_rewrites_one_line_on_a_terminal_and_writes_lines_otherwise():
    import io

    from sandbox.flow import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        progress = Progress(stream)
        progress("register: 1 bank(s)")
        progress("SANDKASSE SPAREBANK: 3 account(s)")
        progress.done()
    assert tty.getvalue().count("\r\033[K") == 3 and "\n" not in tty.getvalue()
    assert pipe.getvalue().count("\n") == 2 and "\r" not in pipe.getvalue()
    quiet = io.StringIO()
    Progress(quiet, enabled=False)("nothing")
    assert quiet.getvalue() == ""


def test_flow_against_a_gunicorn_server(tmp_path):
    from .server import running_server

    with running_server(ROOT / "scenarios" / "default.yaml", workers=2,
                        extra=("--state-dir", str(tmp_path / "state"))) as base:
        exe = Path(sys.executable).with_name("dsop-sandbox")
        run = subprocess.run([str(exe), "flow", "--base-url", base, "--party", "ingrid-multibank", "--service", "skatt",
                              "--json", str(tmp_path / "case.json"), "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    doc = json.loads((tmp_path / "case.json").read_text(encoding="utf-8"))
    assert doc["summary"]["banks"] == 4 and doc["summary"]["refusals"] == 0  # four banks, one KFR-only
    assert "TESTFINANS KREDITT AS" in run.stdout
