"""`dsop-sandbox flow` completes a case for every persona of the README table under every service the table says
it is typically looked up by, and its JSON output matches what the world holds: the banks the party knew, the
accounts it may see (for Vergekontroll exactly the ward's accounts the guardian disposes during the
guardianship), balances, transaction counts, cards, roles and owners (computed here from the World's own
entities and queries, not from the bank rules)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sandbox.cli import main as cli
from sandbox.cli.background import BackgroundServer
from sandbox.world.ledger import month_end
from sandbox.world.period import Period

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("skatt", "politi", "konkurs", "oed", "verge", "fi-utlegg")


def readme_personas() -> list[tuple[str, str, tuple[str, ...]]]:
    """(persona id, identity number, every flow service of "typically looked up by") from the README table.

    The services are the words of that cell that name one, in order: "Skatteetaten (skatt, fi-utlegg)", "Digdir
    (oed)", "FI-Utlegg (available balance)". NAV (nav) is no flow service: the flow runs the services the
    reference consumer knows."""
    text = (ROOT / "docs" / "personas.md").read_text(encoding="utf-8")  # the README links it (issue 15)
    table = text.split("\n## Personas\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and re.fullmatch(r"`[a-z0-9-]+`", cells[0]):
            words = [w.lower() for w in re.findall(r"[A-Za-z-]+", cells[-1])]
            services = tuple(dict.fromkeys(w for w in words if w in SERVICES))
            rows.append((cells[0].strip("`"), cells[2].strip("`"), services))
    return rows


PERSONAS = readme_personas()
CASES = [(persona, identifier, service) for persona, identifier, services in PERSONAS for service in services]
#: Cases the README calls negative tests: (persona, service) → the refusal the report must show (exit 1).
NEGATIVE = {
    ("gunn-former-guardian", "verge"): "403 ACC-011 the population register (FREG) has no guardianship",  # D13
    ("hilde-baker", "konkurs"): "403 ACC-011 no bankruptcy ruling is registered for",  # she is not the debtor
}


def flow_args(persona: str, service: str) -> tuple[list[str], str | None]:
    """The flow command line for a persona's case, and the refusal its report must show (None: it must exit 0)."""
    refused = NEGATIVE.get((persona, service))
    if service == "verge":  # the ward is the subject; a guardian persona is the srf AdditionalReferenceID
        guardian = "trond-guardian" if persona == "bente-ward" else persona
        return ["--party", "bente-ward", "--service", "verge", "--guardian", guardian], refused
    if (persona, service) == ("hilde-baker", "konkurs"):  # she has no ruling date: only --from, --to → today
        return ["--party", persona, "--service", service, "--from", "2024-07-01"], refused
    return ["--party", persona, "--service", service], refused


def test_the_readme_table_was_read():
    assert len(PERSONAS) >= 20 and all(services for _, _, services in PERSONAS)
    assert {s for _, _, s in CASES} == set(SERVICES)  # every service, fi-utlegg included, runs for some persona
    listed = dict((p, s) for p, _, s in PERSONAS)
    assert listed["ingrid-multibank"] == ("skatt", "fi-utlegg", "politi")
    assert listed["lars-cards"] == ("skatt", "politi", "fi-utlegg")
    assert listed["hilde-baker"] == ("skatt", "konkurs") and listed["kari-guarantor"] == ("skatt",)
    assert len(CASES) > len(PERSONAS)


@pytest.fixture(scope="module")
def server():
    # strict for every bank: these tests compare the flow's report field by field with the world, which is what a
    # standard bank delivers; the default scenario's production bank (nordlys) leaves out optional fields and
    # account details by design (docs/compatibility.md). test_flow_against_a_gunicorn_server below keeps it.
    with BackgroundServer("default", audit=False, profile="strict") as s:
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


def expected_roles(world, account, window: Period) -> list[tuple]:
    """What Roles holds for the account in the requested period ("for the specified account and period", seed 001,
    not the party's span): its owners (rightToUseAlone) and disponents whose tie overlaps it, one entry per party
    and permission with that tie's latest period (R-57, Q-11); an end date only once it has passed; shielded
    persons left out (docs/privacy.md)."""
    latest: dict[tuple, Period] = {}
    ties = [(o.party_id, "rightToUseAlone", o.period) for o in account.owners]
    ties += [(r.party_id, r.permission, r.period) for r in account.roles]
    for party_id, permission, period in ties:
        if world.parties[party_id].shielded:
            continue
        if period.overlaps(window) and ((party_id, permission) not in latest
                                      or period.start > latest[(party_id, permission)].start):
            latest[(party_id, permission)] = period
    return sorted((world.parties[pid].identifier, permission, _iso(p.start),
                   _iso(p.end) if p.end is not None and p.end <= world.today else None)
                  for (pid, permission), p in latest.items())


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def verge_accounts(world, ward, guardian, window: Period) -> set[str]:
    """Vergekontroll (spec/services.md §2.5): the accounts the ward owns (as primary owner) in the period and the
    guardian disposes during a guardianship of this guardian over this ward."""
    spans = [window.intersect(g.period) for g in world.guardianships_of(ward.id) if g.guardian_id == guardian.id]
    return {a.number for a in world.accounts.values()
            if any(o.party_id == ward.id and o.primary and o.period.overlaps(window) for o in a.owners)
            and any(r.party_id == guardian.id and r.period.overlaps(s) for r in a.roles for s in spans if s)}


def check_against_world(doc: dict, world, service: str, guardian: str | None = None) -> None:
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
                shown = sorted((r["identifier"]["value"], r["permission"], r.get("startDate"), r.get("endDate"))
                               for r in a["roles"])
                assert shown == expected_roles(world, account, window), number
            if "accountOwners" in a:
                owners = {world.parties[o.party_id].identifier for o in account.owners
                          if o.period.overlaps(window) and not world.parties[o.party_id].shielded}
                assert {o["identifier"]["value"] for o in a["accountOwners"]} == owners
    complete = service in ("skatt", "politi") and not doc["onlyPrimaryOwner"] and not party.shielded
    if complete:  # Skatt, and Politi alt. 2: every owned or disposed account at a listed bank
        assert seen == {n for n in related if world.banks[world.account_by_number[n].bank_id].org_number in listed_banks}
    if service in ("konkurs", "oed", "fi-utlegg") and not party.shielded:
        assert seen == {n for n in primary if world.banks[world.account_by_number[n].bank_id].org_number in listed_banks}
    if service == "verge":  # exactly the ward's accounts the guardian disposes during the guardianship
        assert seen == verge_accounts(world, party, world.parties[guardian], window)
    if party.shielded:
        assert not seen


# ---- every persona ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona, identifier, service", CASES, ids=[f"{p}-{s}" for p, _, s in CASES])
def test_flow_completes_the_persona_case_and_matches_the_world(server, persona, identifier, service, tmp_path,
                                                                capsys):
    args, refused = flow_args(persona, service)
    out = tmp_path / "case.json"
    code = cli.main(["flow", "--base-url", server.base_url, *args, "--json", str(out), "--quiet"])
    captured = capsys.readouterr()
    report = captured.out
    assert code == (1 if refused else 0), report + captured.err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert "Totals:" in report and "Timings:" in report
    assert doc["service"] == service
    if args[1] == persona:
        assert doc["partyID"] == identifier
    if not refused:
        assert not doc["summary"]["refusals"], report
        check_against_world(doc, server.world, service, guardian=args[-1] if service == "verge" else None)
    else:
        assert refused in report
    if service == "verge" and not refused:  # README: her 2024 answer is only her pension account, not her savings
        numbers = [a["accountIdentifier"] for b in doc["banks"] for a in b["accounts"]]
        assert numbers == [server.world.accounts["bente-pension"].number]
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
    (["--party", "hilde-baker", "--service", "konkurs"], "has no ruling date (give --from/--to)"),
    (["--party", "hilde-baker", "--service", "konkurs", "--to", "2025-06-30"],
     "Konkursbehandling reaches 12 months before the bankruptcy ruling, and the subject has no ruling date, so --to "
     "alone does not say where the period starts: give --from as well"),
])
def test_usage_problems_exit_2_with_a_message(server, capsys, args, message):
    assert cli.main(["flow", "--base-url", server.base_url, *args, "--quiet"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("persona, service, given, period", [
    # only --from: the period ends on the latest day the service allows (the sandbox's today; verge 31 Dec)
    ("hilde-baker", "konkurs", ["--from", "2024-07-01"], ("2024-07-01", "2025-06-30")),
    ("bente-ward", "verge", ["--from", "2024-03-01", "--guardian", "trond-guardian"], ("2024-03-01", "2024-12-31")),
    # only --to: it starts on the earliest day the service allows (ruling − 12 months, death − 3 months, −10 y)
    ("smuldre-bakeri", "konkurs", ["--to", "2025-06-30"], ("2024-02-28", "2025-06-30")),
    ("arne-deceased", "oed", ["--to", "2025-06-30"], ("2025-03-09", "2025-06-30")),
    ("sigrid-old", "skatt", ["--to", "2019-12-31"], ("2015-06-30", "2019-12-31")),
])
def test_one_end_of_the_period_is_enough(server, tmp_path, persona, service, given, period):
    out = tmp_path / "case.json"
    code = cli.main(["flow", "--base-url", server.base_url, "--party", persona, "--service", service, *given,
                     "--json", str(out), "--quiet"])
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["fromDate"], doc["toDate"]) == period
    assert code == (1 if persona == "hilde-baker" else 0)  # the bank, not the flow, refuses Hilde's Konkurs case


# ---- a protected admin API -----------------------------------------------------------------------------------
ADMIN = "workshop-admin-6"


@pytest.fixture(scope="module")
def guarded():
    """A sandbox whose admin API needs a token, as `serve --admin-token` starts it."""
    s = BackgroundServer("small", audit=False)
    s.options["admin_token"] = ADMIN  # BackgroundServer passes its options on to Settings, like serve does
    with s:
        yield s


def test_a_protected_admin_api_without_the_token_is_named_not_mistaken_for_an_unknown_party(guarded, capsys,
                                                                                             monkeypatch):
    monkeypatch.delenv("DSOP_SANDBOX_ADMIN_TOKEN", raising=False)
    assert cli.main(["flow", "--base-url", guarded.base_url, "--party", "ola", "--service", "fi-utlegg",
                     "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "the sandbox's admin API needs --admin-token TOKEN (or $DSOP_SANDBOX_ADMIN_TOKEN)" in err
    assert "GET /sandbox/v1/parties?crowd=false answered 401" in err and "no party" not in err
    assert cli.main(["flow", "--base-url", guarded.base_url, "--party", "ola", "--service", "fi-utlegg",
                     "--admin-token", "guess", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "refused the admin token given" in err and "answered 401: wrong admin token" in err


def test_the_admin_token_comes_from_the_option_or_the_environment(guarded, capsys, monkeypatch):
    monkeypatch.delenv("DSOP_SANDBOX_ADMIN_TOKEN", raising=False)
    assert cli.main(["flow", "--base-url", guarded.base_url, "--party", "ola", "--service", "fi-utlegg",
                     "--admin-token", ADMIN, "--quiet"]) == 0
    assert "OLA TESTMANN" in capsys.readouterr().out.upper()
    monkeypatch.setenv("DSOP_SANDBOX_ADMIN_TOKEN", ADMIN)  # politi also mints its order on the admin API
    assert cli.main(["flow", "--base-url", guarded.base_url, "--party", "ola", "--service", "politi",
                     "--from", "2025-01-01", "--quiet"]) == 0, capsys.readouterr().err


# ---- a bank that asks for a long Retry-After ---------------------------------------------------------------------
def test_a_scheduled_outage_is_reported_with_its_retry_after_not_hammered(tmp_path, capsys):
    """scenarios/faulty.yaml: TESTFINANS is down (503, Retry-After: 3600) from tomorrow; move the clock a day."""
    from sandbox.client import Transport

    with BackgroundServer("faulty", audit=False) as faulty:
        r = Transport().request("POST", faulty.base_url + "/sandbox/v1/clock", {"Content-Type": "application/json"},
                                b'{"advance": "+1d"}')
        assert r.status == 200, r.body
        out = tmp_path / "case.json"
        code = cli.main(["flow", "--base-url", faulty.base_url, "--party", "ola", "--service", "skatt",
                         "--from", "2025-06-01", "--json", str(out), "--quiet"])
    report = capsys.readouterr().out
    assert code == 1, report
    doc = json.loads(out.read_text(encoding="utf-8"))
    down = next(b for b in doc["banks"] if b["bankName"] == "TESTFINANS KREDITT AS")
    (refusal,) = down["refusals"]
    assert (down["status"], refusal["status"], refusal["retryAfter"]) == ("refused", 503, "3600")
    assert "not retried: the server asked to wait 3600 s (Retry-After: 3600)" in refusal["message"]
    assert doc["retries"] == 0 and doc["timings"]["total"] < 10  # asked once, not every 10 s for the hour
    assert "503" in report and "Retry-After: 3600" in report
    assert all(b["status"] == "complete" for b in doc["banks"] if b is not down)


def test_progress_rewrites_one_line_on_a_terminal_and_writes_lines_otherwise():
    import io

    from sandbox.cli.flow import Progress

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
