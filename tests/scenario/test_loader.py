"""The scenario loader reports every problem as FILE:LINE: path: message (sandbox/scenario/loader.py).

One test (or one parametrised group) per class of error, each checking the exact line, the exact document
path and a meaningful part of the message. Line numbers are found with `line_of(text, needle)`, which
insists that the needle is on exactly one line, so the expected line is exact and survives edits above it.
"""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.scenario import Problem, ScenarioError, load_scenario, load_scenario_text

HEAD = """\
version: 1
name: loader test
banks:
  - id: alpha
    name: ALPHA BANK
    registration_numbers: ["9910"]
  - id: beta
    name: BETA BANK
    registration_numbers: ["9920"]
organisations:
  - id: firma
people:
  - id: kari
  - id: ola
"""

# An account at alpha owned by kari; tests append the keys they need (indented four spaces).
ACCOUNT = """\
accounts:
  - id: acc1
    bank: alpha
    type: salaryAccount
    opened: 2020-01-01
"""

OWNER_KARI = "    owners:\n      - party: kari\n"


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(map(str, problems))
    return problems[0]


def check(problem: Problem, line: int, path: str, fragment: str) -> None:
    assert (problem.line, problem.path) == (line, path), str(problem)
    assert fragment in problem.message, str(problem)
    assert problem.file == "test.yaml"


def test_valid_head_loads(load):
    spec = load(HEAD + ACCOUNT + OWNER_KARI)
    assert spec.name == "loader test"
    assert [a["id"] for a in spec.data["accounts"]] == ["acc1"]


# ---- YAML layer -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad_line, fragment", [
    ("    name: Kari: Nordmann", "mapping values are not allowed"),
    ("    name: @kari", "cannot start any token"),
    ("    name: *nobody", "undefined alias"),
    ("\tname: tab", "'\\t'"),
])
def test_yaml_syntax_error(problems, line_of, bad_line, fragment):
    text = HEAD + "  - id: per\n" + bad_line + "\n  - id: siri\n"
    problem = only(problems(text))
    check(problem, line_of(text, bad_line.strip()), "", "not valid YAML")
    assert fragment in problem.message
    assert str(problem).startswith(f"test.yaml:{problem.line}: (top level): not valid YAML")


@pytest.mark.parametrize("text", ["- version: 1\n- name: x\n", "just a string\n", "", "42\n"])
def test_top_level_must_be_a_mapping(problems, text):
    check(only(problems(text)), 1, "", "expected a mapping at the top")


def test_duplicate_key_top_level(problems, line_of):
    text = HEAD + "name: again\n"
    check(only(problems(text)), line_of(text, "name: again"), "name", "key given twice")


def test_duplicate_key_nested(problems, line_of):
    text = HEAD + ACCOUNT + "    type: savingsAccount\n" + OWNER_KARI
    check(only(problems(text)), line_of(text, "type: savingsAccount"), "accounts[0].type", "key given twice")


MERGE_KEY = HEAD.replace("  - id: ola\n", "  - id: ola\n    <<: {name: X}\n")


def test_merge_keys_are_refused(problems, line_of):
    check(only(problems(MERGE_KEY)), line_of(MERGE_KEY, "<<"), "", "not valid YAML")


def test_merge_keys_are_refused_with_a_clear_message(problems):
    assert "merge keys (<<) are not supported" in only(problems(MERGE_KEY)).message


# ---- schema layer -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("misspelt, path", [
    ("    nmae: Kari\n", "people[1].nmae"),
    ("    birthdate: 1980-01-01\n", "people[1].birthdate"),
])
def test_unknown_key_in_person(problems, line_of, misspelt, path):
    text = HEAD + misspelt
    check(only(problems(text)), line_of(text, misspelt.strip()), path, "unknown key")


def test_unknown_key_deep_and_top_level(problems, line_of):
    text = HEAD + ACCOUNT + "    owners:\n      - party: kari\n        primry: true\nbankz: []\n"
    found = problems(text)
    assert len(found) == 2
    by_path = {p.path: p for p in found}
    check(by_path["accounts[0].owners[0].primry"], line_of(text, "primry"), "accounts[0].owners[0].primry", "unknown key")
    check(by_path["bankz"], line_of(text, "bankz"), "bankz", "check its spelling")


def test_missing_required_key_nested(problems, line_of):
    text = HEAD + ACCOUNT.replace("    type: salaryAccount\n", "") + OWNER_KARI
    # The key is absent, so the line is that of the nearest thing that exists: the account's list item.
    check(only(problems(text)), line_of(text, "id: acc1"), "accounts[0].type", "required, but missing")


def test_missing_required_key_top_level(problems):
    text = HEAD.replace("name: loader test\n", "")
    check(only(problems(text)), 1, "name", "required, but missing")


def test_missing_required_owners_and_event_needs(problems, line_of):
    text = HEAD + ACCOUNT + "events:\n  - date: 2021-01-01\n    type: close\n"
    found = {p.path: p for p in problems(text)}
    check(found["accounts[0].owners"], line_of(text, "id: acc1"), "accounts[0].owners", "required, but missing")
    check(found["events[0].account"], line_of(text, "date: 2021-01-01"), "events[0].account", "a 'close' event needs 'account'")


def test_wrong_enum_value_account_type(problems, line_of):
    text = HEAD + ACCOUNT.replace("type: salaryAccount", "type: checkingAccount") + OWNER_KARI
    problem = only(problems(text))
    check(problem, line_of(text, "checkingAccount"), "accounts[0].type", "expected one of: loanAccount, salaryAccount")
    assert "leasingAccount" in problem.message


def test_wrong_currency_code(problems, line_of):
    text = HEAD + ACCOUNT + "    currency: nok\n" + OWNER_KARI
    check(only(problems(text)), line_of(text, "currency:"), "accounts[0].currency", "3-letter currency code")


def test_wrong_enum_value_permission(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + "    roles:\n      - party: ola\n        permission: readOnly\n"
    check(only(problems(text)), line_of(text, "readOnly"), "accounts[0].roles[0].permission", "rightToSeeOnly")


def test_wrong_scenario_version(problems, line_of):
    text = HEAD.replace("version: 1", "version: 2")
    check(only(problems(text)), 1, "version", "format version 1")


@pytest.mark.parametrize("value", ["2024-13-01", "2023-02-29", "2024-04-31", "2024-1-1", "'01.02.2024'", "yesterday"])
def test_bad_date(problems, line_of, value):
    text = HEAD + f"    birth_date: {value}\n"
    problem = only(problems(text))
    check(problem, line_of(text, "birth_date"), "people[1].birth_date", "is not a date")
    assert "expected YYYY-MM-DD" in problem.message


def test_date_must_not_be_a_number(problems, line_of):
    text = HEAD + "    birth_date: 20240101\n"
    check(only(problems(text)), line_of(text, "birth_date"), "people[1].birth_date", "expected a date")


@pytest.mark.parametrize("value", ["'20240101'", "'2024-W01-1'"])
def test_non_calendar_iso_formats_are_rejected(problems, line_of, value):
    text = HEAD + f"    birth_date: {value}\n"
    check(only(problems(text)), line_of(text, "birth_date"), "people[1].birth_date", "is not a date")


@pytest.mark.parametrize("value", ["-3x", "3y", "-y", "--3d", "-3d-", "'- 3 days'", "'+1q'"])
def test_bad_relative_date(problems, line_of, value):
    text = HEAD + ACCOUNT.replace("opened: 2020-01-01", f"opened: {value}") + OWNER_KARI
    problem = only(problems(text))
    check(problem, line_of(text, "opened:"), "accounts[0].opened", f"'{value.strip(chr(39))}' is not a date")
    assert "offset like -3y" in problem.message


def test_scenario_today_must_be_absolute(problems, line_of):
    text = HEAD.replace("name: loader test\n", "name: loader test\ntoday: -1d\n")
    check(only(problems(text)), line_of(text, "today:"), "today", "expected an absolute date")


def test_bad_card_month(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + "    cards:\n      - id: c1\n        holder: kari\n        issued: 2024-13\n        expires: 2028-01\n"
    check(only(problems(text)), line_of(text, "issued:"), "accounts[0].cards[0].issued", "is not a month")


# ---- identifiers ------------------------------------------------------------------------------------------

PERSON_OK, ORG_OK, ACCOUNT_OK = "17858027241", "295496568", "99100320750"


@pytest.mark.parametrize("snippet, path, fragment", [
    (f'    national_id: "{PERSON_OK[:-1]}2"\n', "people[1].national_id", "check digit mismatch"),
    ('    national_id: "1785802724"\n', "people[1].national_id", "must be 11 digits"),
    ('    national_id: "17858O27241"\n', "people[1].national_id", "only 0-9 allowed"),
    (f"    national_id: {PERSON_OK}\n", "people[1].national_id", "write identifiers as quoted strings"),
])
def test_bad_person_number(problems, line_of, snippet, path, fragment):
    text = HEAD + snippet
    check(only(problems(text)), line_of(text, "national_id"), path, fragment)


@pytest.mark.parametrize("snippet, fragment", [
    (f'    org_number: "{ORG_OK[:-1]}9"\n', "check digit mismatch"),
    (f"    org_number: {ORG_OK}\n", "write identifiers as quoted strings"),
])
def test_bad_organisation_number(problems, line_of, snippet, fragment):
    text = HEAD.replace("  - id: firma\n", "  - id: firma\n" + snippet)
    check(only(problems(text)), line_of(text, "org_number"), "organisations[0].org_number", fragment)


@pytest.mark.parametrize("snippet, fragment", [
    (f'    number: "{ACCOUNT_OK[:-1]}1"\n', "check digit mismatch"),
    ('    number: "9910 03 20750"\n', "only 0-9 allowed"),
    (f"    number: {ACCOUNT_OK}\n", "write identifiers as quoted strings"),
])
def test_bad_account_number(problems, line_of, snippet, fragment):
    text = HEAD + ACCOUNT + snippet + OWNER_KARI
    check(only(problems(text)), line_of(text, "number:"), "accounts[0].number", fragment)


def test_bad_bank_org_number_as_int(problems, line_of):
    text = HEAD.replace('    name: BETA BANK\n', '    name: BETA BANK\n    org_number: 295496568\n')
    check(only(problems(text)), line_of(text, "org_number"), "banks[1].org_number", "quoted strings")


def test_valid_identifiers_load(load):
    text = (HEAD.replace("  - id: kari\n", f'  - id: kari\n    national_id: "{PERSON_OK}"\n')
            .replace("  - id: firma\n", f'  - id: firma\n    org_number: "{ORG_OK}"\n') + ACCOUNT + f'    number: "{ACCOUNT_OK}"\n' + OWNER_KARI)
    spec = load(text)
    assert spec.data["people"][0]["national_id"] == PERSON_OK
    assert spec.data["organisations"][0]["org_number"] == ORG_OK
    assert spec.data["accounts"][0]["number"] == ACCOUNT_OK


def test_person_number_must_match_birth_date_and_kind(problems, line_of):
    text = HEAD.replace("  - id: kari\n", f'  - id: kari\n    national_id: "{PERSON_OK}"\n    birth_date: 1980-05-18\n    d_number: true\n')
    found = problems(text)
    assert {p.path for p in found} == {"people[0].national_id"}
    messages = " | ".join(p.message for p in found)
    assert "expected a D-number" in messages and "encodes birth date 1980-05-17" in messages
    assert {p.line for p in found} == {line_of(text, "national_id")}


# ---- money ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("snippet, path, fragment", [
    ("    credit_line: 100.125\n", "accounts[0].credit_line", "at most two decimals"),
    ("    opening_balance: '12.001'\n", "accounts[0].opening_balance", "at most two decimals"),
    ("    credit_line: -100\n", "accounts[0].credit_line", "0 or more"),
    ("    blocked_amount: -0.5\n", "accounts[0].blocked_amount", "0 or more"),
    ("    blocked_amount: ten\n", "accounts[0].blocked_amount", "is not an amount"),
    ("    blocked_amount: true\n", "accounts[0].blocked_amount", "expected an amount"),
])
def test_bad_money_on_account(problems, line_of, snippet, path, fragment):
    text = HEAD + ACCOUNT + snippet + OWNER_KARI
    check(only(problems(text)), line_of(text, snippet.split(":")[0].strip() + ":"), path, fragment)


@pytest.mark.parametrize("amount, fragment", [("-5", "0 or more"), ("0", "greater than 0"), ("1.999", "two decimals")])
def test_bad_transaction_amount(problems, line_of, amount, fragment):
    text = HEAD + ACCOUNT + OWNER_KARI + f"    transactions:\n      - date: 2021-01-01\n        amount: {amount}\n        direction: debit\n"
    check(only(problems(text)), line_of(text, "amount:"), "accounts[0].transactions[0].amount", fragment)


def test_money_is_kept_in_minor_units(load):
    text = HEAD + ACCOUNT + "    opening_balance: -1250.5\n    credit_line: '10 000'\n    blocked_amount: 0.1\n" + OWNER_KARI
    acc = load(text).data["accounts"][0]
    assert (acc["opening_balance"], acc["credit_line"], acc["blocked_amount"]) == (-125050, 1_000_000, 10)


# ---- references -------------------------------------------------------------------------------------------

def test_unknown_bank(problems, line_of):
    text = HEAD + ACCOUNT.replace("bank: alpha", "bank: gamma") + OWNER_KARI
    check(only(problems(text)), line_of(text, "bank: gamma"), "accounts[0].bank", "unknown bank 'gamma'")


def test_unknown_bank_in_generate(problems, line_of):
    text = HEAD + "generate:\n  people:\n    count: 3\n    banks: [alpha, gamma]\n"
    check(only(problems(text)), line_of(text, "banks: [alpha, gamma]"), "generate.people.banks[1]", "unknown bank 'gamma'")


@pytest.mark.parametrize("snippet, needle, path", [
    ("    owners:\n      - party: per\n", "party: per", "accounts[0].owners[0].party"),
    (OWNER_KARI + "    roles:\n      - party: per\n        permission: rightToSeeOnly\n", "party: per",
     "accounts[0].roles[0].party"),
    (OWNER_KARI + "    guarantors:\n      - per\n", "- per", "accounts[0].guarantors[0].party"),
    (OWNER_KARI + "    co_borrowers:\n      - {party: per, from: 2021-01-01}\n", "party: per",
     "accounts[0].co_borrowers[0].party"),
    (OWNER_KARI + "    cards:\n      - {id: c1, holder: per, issued: 2021-01, expires: 2024-01}\n", "holder: per",
     "accounts[0].cards[0].holder"),
])
def test_unknown_party_on_account(problems, line_of, snippet, needle, path):
    text = HEAD + ACCOUNT + snippet
    check(only(problems(text)), line_of(text, needle), path, "unknown party 'per'")


def test_unknown_references_outside_accounts(problems, line_of):
    text = (HEAD + ACCOUNT + OWNER_KARI
            + "guardianships:\n  - {guardian: kari, ward: per, from: 2021-01-01}\n"
            + "events:\n  - {date: 2022-01-01, type: close, account: acc9}\n"
            + "  - {date: 2022-02-01, type: death, party: nobody}\n")
    found = {p.path: p for p in problems(text)}
    assert set(found) == {"guardianships[0].ward", "events[0].account", "events[1].party"}
    check(found["guardianships[0].ward"], line_of(text, "ward: per"), "guardianships[0].ward", "unknown person 'per'")
    check(found["events[0].account"], line_of(text, "account: acc9"), "events[0].account", "unknown account 'acc9'")
    check(found["events[1].party"], line_of(text, "party: nobody"), "events[1].party", "unknown party 'nobody'")


def test_only_a_person_can_die(problems, line_of):
    text = HEAD + "events:\n  - {date: 2022-02-01, type: death, party: firma}\n"
    check(only(problems(text)), line_of(text, "type: death"), "events[0].party", "only a person can die")


# ---- date order -------------------------------------------------------------------------------------------

def test_account_closed_before_opened(problems, line_of):
    text = HEAD + ACCOUNT + "    closed: 2019-12-31\n" + OWNER_KARI
    check(only(problems(text)), line_of(text, "closed:"), "accounts[0].closed",
          "the account ends (2019-12-31) before it starts (2020-01-01)")


def test_account_closed_on_its_opening_day_is_fine(load):
    load(HEAD + ACCOUNT + "    closed: 2020-01-01\n" + OWNER_KARI)


def test_account_opened_in_the_future(problems, line_of):
    text = HEAD + ACCOUNT.replace("opened: 2020-01-01", "opened: +1d") + OWNER_KARI
    check(only(problems(text)), line_of(text, "opened:"), "accounts[0].opened", "after today (2025-06-30)")


def test_role_ends_before_it_starts(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + ("    roles:\n      - party: ola\n        permission: rightToSeeOnly\n"
                                          "        from: 2021-05-01\n        to: 2021-04-30\n")
    check(only(problems(text)), line_of(text, "to: 2021-04-30"), "accounts[0].roles[0].to",
          "this role period ends (2021-04-30) before it starts (2021-05-01)")


def test_ownership_starts_before_account_opened(problems, line_of):
    text = HEAD + ACCOUNT + "    owners:\n      - party: kari\n        from: 2019-06-01\n"
    # The path names the file's key (`from`), not the Python attribute (`from_`).
    check(only(problems(text)), line_of(text, "from: 2019-06-01"), "accounts[0].owners[0].from",
          "starts (2019-06-01) before the account was opened (2020-01-01)")


def test_ownership_starts_after_account_closed(problems, line_of):
    text = HEAD + ACCOUNT + "    closed: 2021-01-01\n    owners:\n      - party: kari\n        from: 2021-06-01\n"
    check(only(problems(text)), line_of(text, "from: 2021-06-01"), "accounts[0].owners[0].from", "after the account was closed")


def test_two_primary_owners_at_once(problems, line_of):
    text = HEAD + ACCOUNT + ("    owners:\n      - party: kari\n        primary: true\n"
                             "      - party: ola\n        primary: true\n        from: 2022-01-01\n")
    check(only(problems(text)), line_of(text, "from: 2022-01-01") - 1, "accounts[0].owners[1].primary",
          "two primary owners at once (owners[0] and owners[1] overlap)")


def test_consecutive_primary_owners_are_fine(load):
    load(HEAD + ACCOUNT + ("    owners:\n      - {party: kari, primary: true, to: 2021-12-31}\n"
                           "      - {party: ola, primary: true, from: 2022-01-01}\n"))


def test_primary_owners_listed_newest_first_do_not_overlap(load):
    load(HEAD + ACCOUNT + ("    owners:\n      - {party: ola, primary: true, from: 2022-01-01}\n"
                           "      - {party: kari, primary: true, to: 2021-12-31}\n"))


def test_primary_owners_overlapping_by_one_day(problems, line_of):
    text = HEAD + ACCOUNT + ("    owners:\n      - {party: kari, primary: true, to: 2022-01-01}\n"
                             "      - {party: ola, primary: true, from: 2022-01-01}\n")
    check(only(problems(text)), line_of(text, "party: ola"), "accounts[0].owners[1].primary", "two primary owners")


def test_card_expires_before_issue(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + ("    cards:\n      - id: c1\n        holder: kari\n"
                                          "        issued: 2023-05\n        expires: 2023-04\n")
    check(only(problems(text)), line_of(text, "expires:"), "accounts[0].cards[0].expires", "the card ends")


def test_guardian_is_ward(problems, line_of):
    text = HEAD + "guardianships:\n  - guardian: kari\n    ward: kari\n    from: 2020-01-01\n"
    check(only(problems(text)), line_of(text, "guardian: kari"), "guardianships[0].guardian", "cannot be their own guardian")


def test_guardianship_ends_before_it_starts(problems, line_of):
    text = HEAD + "guardianships:\n  - {guardian: kari, ward: ola, from: 2021-01-01, to: 2020-01-01}\n"
    check(only(problems(text)), line_of(text, "guardian: kari"), "guardianships[0].to", "the guardianship ends")


# A guardianship listing the guardian's tasks (FREG vergeTjenesteoppgave), one per line so each has its own line.
TASKS = HEAD + "guardianships:\n  - guardian: kari\n    ward: ola\n    from: 2021-01-01\n    tasks:\n"


def test_guardian_tasks_default_to_representasjon_dagligbank(load):
    spec = load(HEAD + "guardianships:\n  - {guardian: kari, ward: ola, from: 2021-01-01}\n")
    assert spec.data["guardianships"][0]["tasks"] == ["representasjonDagligbank"]
    listed = load(TASKS + "      - forvaltningAvFastEiendom\n      - representasjonDagligbank\n")
    assert listed.data["guardianships"][0]["tasks"] == ["forvaltningAvFastEiendom", "representasjonDagligbank"]


@pytest.mark.parametrize("value", [
    "RepresentasjonDagligbank",          # PascalCase
    "representasjon dagligbank",         # a space
    "representasjon_dagligbank",         # snake_case
    "representasjon-dagligbank",
    "økonomiskForvaltning",              # FREG's codes are ASCII
    "1representasjon",                   # must start with a letter
    "'  '",                              # blank
    "''",                                # empty
    "a" + "b" * 60,                      # 61 characters
])
def test_bad_guardian_task(problems, line_of, value):
    text = TASKS + "      - representasjonDagligbank\n" + f"      - {value}\n"
    problem = only(problems(text))
    line = line_of(text, f"- {value}")
    check(problem, line, "guardianships[0].tasks[1]", "is not a task as FREG writes vergeTjenesteoppgave")
    assert "camelCase identifier" in problem.message and "at most 60 characters" in problem.message
    assert str(problem).startswith(f"test.yaml:{line}: guardianships[0].tasks[1]: ")


def test_guardian_task_of_60_characters_is_fine(load):
    assert load(TASKS + "      - a" + "B" * 59 + "\n").data["guardianships"][0]["tasks"] == ["a" + "B" * 59]


@pytest.mark.parametrize("tasks, path, fragment", [
    ("[]", "guardianships[0].tasks", "expected at least one task"),
    ("representasjonDagligbank", "guardianships[0].tasks", "Not a valid list"),
    ("[representasjonDagligbank, 42]", "guardianships[0].tasks[1]", "Not a valid string"),
    ("[representasjonDagligbank, forvaltningAvFastEiendom, representasjonDagligbank]", "guardianships[0].tasks",
     "'representasjonDagligbank' is listed twice"),
])
def test_guardian_tasks_list_problems(problems, line_of, tasks, path, fragment):
    text = HEAD + "guardianships:\n  - guardian: kari\n    ward: ola\n    from: 2021-01-01\n" + f"    tasks: {tasks}\n"
    check(only(problems(text)), line_of(text, "tasks:"), path, fragment)


@pytest.mark.parametrize("value", ["2025-07-01", "+1d", "+1m"])
def test_death_date_in_the_future(problems, line_of, value):
    text = HEAD + f"    death_date: {value}\n"
    check(only(problems(text)), line_of(text, "death_date"), "people[1].death_date", "is after today (2025-06-30)")


@pytest.mark.parametrize("value", ["2025-06-30", "today", "-1d"])
def test_death_date_today_or_before_is_fine(load, value):
    load(HEAD + f"    death_date: {value}\n")


def test_death_before_birth(problems, line_of):
    text = HEAD + "    birth_date: 1990-01-01\n    death_date: 1980-01-01\n"
    check(only(problems(text)), line_of(text, "death_date"), "people[1].death_date", "before the birth date")


def test_event_in_the_future(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + "events:\n  - {date: +2d, type: close, account: acc1}\n"
    check(only(problems(text)), line_of(text, "type: close"), "events[0].date", "after today")


def test_event_before_account_opened(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + "events:\n  - {date: 2019-01-01, type: close, account: acc1}\n"
    check(only(problems(text)), line_of(text, "type: close"), "events[0].date", "before account 'acc1' was opened")


# ---- cards referenced by events and transactions ----------------------------------------------------------

CARD = "    cards:\n      - {id: c1, holder: kari, issued: 2021-01, expires: 2026-01}\n"


def test_event_references_unknown_card(problems, line_of):
    text = HEAD + ACCOUNT + OWNER_KARI + CARD + "events:\n  - date: 2022-01-01\n    type: block_card\n    account: acc1\n    card: c2\n"
    check(only(problems(text)), line_of(text, "card: c2"), "events[0].card", "unknown card 'c2' on account 'acc1'")


def test_block_card_before_it_is_issued(problems, line_of):
    text = (HEAD + ACCOUNT + OWNER_KARI + "events:\n"
            "  - {date: 2022-03-01, type: issue_card, account: acc1, card: c2, holder: kari}\n"
            "  - {date: 2022-01-01, type: block_card, account: acc1, card: c2}\n"
            "  - {date: 2022-04-01, type: block_card, account: acc1, card: c2}\n")
    check(only(problems(text)), line_of(text, "2022-01-01, type: block_card"), "events[1].card", "not issued by then")


def test_transaction_references_unknown_card(problems, line_of):
    text = (HEAD + ACCOUNT + OWNER_KARI + CARD
            + "    transactions:\n      - {date: 2022-01-01, amount: 10, direction: debit, card: c9}\n")
    check(only(problems(text)), line_of(text, "card: c9"), "accounts[0].transactions[0].card", "unknown card 'c9'")


# ---- uniqueness -------------------------------------------------------------------------------------------

def test_duplicate_person_id(problems, line_of):
    text = HEAD + "  - id: kari2\n".replace("kari2", "kari") + "    name: Second Kari\n"
    check(only(problems(text)), line_of(text, "Second Kari") - 1, "people[2].id", "'kari' is used twice (first at people[0])")


def test_person_and_organisation_share_an_id(problems, line_of):
    text = HEAD.replace("  - id: firma\n", "  - id: ola\n")
    problem = only(problems(text))
    assert (problem.path, problem.line) == ("organisations[0].id", text.splitlines().index("  - id: ola") + 1)
    assert "'ola' is used twice (first at people[1])" in problem.message


def test_duplicate_account_id_and_number(problems, line_of):
    second = ACCOUNT.replace("accounts:\n", "") + OWNER_KARI
    text = (HEAD + ACCOUNT + '    number: "99100320750"\n' + OWNER_KARI
            + second.replace("bank: alpha", "bank: alpha  # twin") + '    number: "99100320750"\n')
    found = {p.path: p for p in problems(text)}
    assert set(found) == {"accounts[1].id", "accounts[1].number"}
    assert "'acc1' is used twice (first at accounts[0])" in found["accounts[1].id"].message
    assert found["accounts[1].id"].line == line_of(text, "# twin") - 1
    assert "is used twice" in found["accounts[1].number"].message


def test_duplicate_bank_and_card_ids(problems, line_of):
    text = (HEAD.replace("  - id: beta\n", "  - id: alpha\n").replace('["9920"]', '["9921"]')
            + ACCOUNT + OWNER_KARI + CARD + "      - {id: c1, holder: ola, issued: 2022-01, expires: 2027-01}\n")
    found = {p.path: p for p in problems(text)}
    assert set(found) == {"banks[1].id", "accounts[0].cards[1].id"}
    assert found["banks[1].id"].line == line_of(text, "BETA BANK") - 1
    check(found["accounts[0].cards[1].id"], line_of(text, "holder: ola"), "accounts[0].cards[1].id", "card id 'c1' is used twice")


def test_duplicate_registration_number_across_banks(problems, line_of):
    text = HEAD.replace('["9920"]', '["9920", "9910"]')
    check(only(problems(text)), line_of(text, '"9920", "9910"'), "banks[1].registration_numbers[1]",
          "registration number 9910 also belongs to bank 'alpha'")


def test_account_number_not_of_its_bank(problems, line_of):
    text = HEAD + ACCOUNT + '    number: "99205677123"\n' + OWNER_KARI  # a valid number of beta (9920)
    check(only(problems(text)), line_of(text, "number:"), "accounts[0].number",
          "starts with 9920, not a registration number of bank 'alpha' (9910)")


# ---- several problems at once -----------------------------------------------------------------------------

def test_all_schema_problems_are_reported(problems, line_of):
    text = (HEAD.replace("  - id: ola\n", "  - id: ola\n    nmae: Ola\n    birth_date: 2024-13-01\n")
            .replace("  - id: firma\n", "  - id: firma\n    org_number: 295496568\n")
            + ACCOUNT.replace("salaryAccount", "chequeAccount") + "    opened: 2021-01-01\n" + OWNER_KARI)
    found = problems(text)
    got = {(p.line, p.path) for p in found}
    assert got == {
        (line_of(text, "nmae"), "people[1].nmae"),
        (line_of(text, "2024-13-01"), "people[1].birth_date"),
        (line_of(text, "org_number"), "organisations[0].org_number"),
        (line_of(text, "chequeAccount"), "accounts[0].type"),
        (line_of(text, "opened: 2021-01-01"), "accounts[0].opened"),  # a duplicate key, found with the rest
    }, "\n".join(map(str, found))


def test_all_cross_reference_problems_are_reported(problems, line_of):
    text = (HEAD + ACCOUNT.replace("bank: alpha", "bank: gamma") + "    closed: 2019-01-01\n"
            + "    owners:\n      - party: per\n"
            + "guardianships:\n  - {guardian: ola, ward: ola, from: 2020-01-01}\n"
            + "events:\n  - {date: 2030-01-01, type: death, party: kari}\n")
    found = problems(text)
    assert {(p.line, p.path) for p in found} == {
        (line_of(text, "bank: gamma"), "accounts[0].bank"),
        (line_of(text, "closed:"), "accounts[0].closed"),
        (line_of(text, "party: per"), "accounts[0].owners[0].party"),
        (line_of(text, "guardian: ola"), "guardianships[0].guardian"),
        (line_of(text, "2030-01-01"), "events[0].date"),
    }, "\n".join(map(str, found))
    assert len(found) == 5


def test_problem_string_format(problems, line_of):
    text = HEAD + "    nmae: x\n"
    problem = only(problems(text, source="scenarios/x.yaml"))
    assert str(problem) == f"scenarios/x.yaml:{line_of(text, 'nmae')}: people[1].nmae: " + problem.message
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "scenarios/x.yaml")
    assert str(info.value) == str(problem)


# ---- files ------------------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problem = only(info.value.problems)
    assert problem == Problem(str(path), None, "", "no such file")
    assert str(problem) == f"{path}: (top level): no such file"


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + "    name: Bjørn\n").encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problem = only(info.value.problems)
    assert (problem.file, problem.line, problem.path) == (str(path), None, "")
    assert problem.message.startswith("not UTF-8 text")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert only(info.value.problems).message.startswith("cannot read")


def test_file_problems_name_the_path(tmp_path, line_of):
    path = tmp_path / "bad.yaml"
    text = HEAD + "    nmae: x\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, today=date(2025, 6, 30))
    assert str(only(info.value.problems)).startswith(f"{path}:{line_of(text, 'nmae')}: people[1].nmae: unknown key")


CONSUMERS = """\
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
"""


def test_valid_file_loads(tmp_path):
    path = tmp_path / "ok.yaml"
    text = HEAD + ACCOUNT + OWNER_KARI + CONSUMERS
    path.write_text(text, encoding="utf-8")
    spec = load_scenario(path, today=date(2025, 6, 30), seed="abc")
    assert (spec.source, spec.seed, spec.today) == (str(path), "abc", date(2025, 6, 30))
    import hashlib

    assert spec.text_sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_a_file_without_consumers_is_refused_naming_file_and_path(tmp_path):
    """A scenario without agencies would load, and then every token request fail with invalid_client (issue 15)."""
    path = tmp_path / "nobody.yaml"
    path.write_text(HEAD + ACCOUNT + OWNER_KARI, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, today=date(2025, 6, 30))
    problem = only(info.value.problems)
    assert (problem.file, problem.line, problem.path) == (str(path), None, "consumers")
    assert str(problem).startswith(f"{path}: consumers: no consumers: list at least one agency")
    assert "invalid_client" in problem.message and "org_number" in problem.message


def test_an_empty_consumers_list_is_refused_at_its_line(tmp_path, line_of):
    path = tmp_path / "empty.yaml"
    text = HEAD + ACCOUNT + OWNER_KARI + "consumers: []\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, today=date(2025, 6, 30))
    assert str(only(info.value.problems)).startswith(f"{path}:{line_of(text, 'consumers: []')}: consumers: no consumers")


def test_text_loaded_in_process_may_leave_consumers_out():
    """The world's own tests build worlds without agencies: only a file (what a user serves) must have one."""
    spec = load_scenario_text(HEAD + ACCOUNT + OWNER_KARI, today=date(2025, 6, 30))
    assert spec.data["consumers"] == []
    with pytest.raises(ScenarioError):
        load_scenario_text(HEAD + ACCOUNT + OWNER_KARI, today=date(2025, 6, 30), require_consumers=True)


# ---- relative dates and today -----------------------------------------------------------------------------

@pytest.mark.parametrize("expr, today, expected", [
    ("-3y", date(2025, 6, 30), date(2022, 6, 30)),
    ("-90d", date(2025, 6, 30), date(2025, 4, 1)),
    ("-2w", date(2025, 6, 30), date(2025, 6, 16)),
    ("-1y6m", date(2025, 6, 30), date(2023, 12, 30)),
    ("-1y 6m", date(2025, 6, 30), date(2023, 12, 30)),
    ("-1y+6m", date(2025, 6, 30), date(2024, 12, 30)),
    ("-1m", date(2025, 3, 31), date(2025, 2, 28)),  # calendar months clamp the day
    ("-1y", date(2024, 2, 29), date(2023, 2, 28)),
    ("-1m-1d", date(2025, 3, 1), date(2025, 1, 31)),
    ("today", date(2025, 6, 30), date(2025, 6, 30)),
    ("2020-02-03", date(2025, 6, 30), date(2020, 2, 3)),
])
def test_relative_dates_resolve_against_today(load, expr, today, expected):
    spec = load(HEAD + ACCOUNT.replace("opened: 2020-01-01", f"opened: '{expr}'") + OWNER_KARI, today=today)
    assert spec.today == today
    assert spec.date(spec.data["accounts"][0]["opened"]) == expected


def test_relative_card_months(load):
    text = HEAD + ACCOUNT + OWNER_KARI + "    cards:\n      - {id: c1, holder: kari, issued: -2y, expires: +3y}\n"
    card = load(text).data["accounts"][0]["cards"][0]
    assert card["issued"].resolve(date(2025, 6, 30)) == date(2023, 6, 30)
    assert card["expires"].resolve(date(2025, 6, 30)) == date(2028, 6, 30)


def test_relative_dates_move_with_today(load):
    text = HEAD + ACCOUNT.replace("opened: 2020-01-01", "opened: -1y") + OWNER_KARI
    a = load(text, today=date(2025, 6, 30))
    b = load(text, today=date(2026, 1, 15))
    assert a.date(a.data["accounts"][0]["opened"]) == date(2024, 6, 30)
    assert b.date(b.data["accounts"][0]["opened"]) == date(2025, 1, 15)


def test_which_today_wins(load):
    text = HEAD.replace("name: loader test\n", "name: loader test\ntoday: 2024-01-31\n")
    assert load(text, today=date(2025, 6, 30)).today == date(2025, 6, 30)  # the caller's today first
    assert load(text, today=None, real_today=date(2030, 1, 1)).today == date(2024, 1, 31)  # then the file's
    assert load(HEAD, today=None, real_today=date(2030, 1, 1)).today == date(2030, 1, 1)  # then the real one


def test_no_date_from_anywhere_is_a_problem_not_the_wall_clock(load):
    """The loader reads no clock (issue 14): the caller passes the real date; without one, a problem."""
    with pytest.raises(ScenarioError) as info:
        load(HEAD, today=None, real_today=None)
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("today", "the scenario fixes no date (no today, or today: real) and none was given (--today, or the real date)")]


def test_checks_use_the_resolved_today(problems, load, line_of):
    text = HEAD + "    death_date: 2025-01-01\n"
    load(text, today=date(2025, 6, 30))
    problem = only(problems(text, today=date(2024, 12, 31)))
    check(problem, line_of(text, "death_date"), "people[1].death_date", "after today (2024-12-31)")


def test_seed_override_and_default(load):
    assert load(HEAD).seed == "0"
    assert load(HEAD.replace("name: loader test\n", "name: loader test\nseed: 42\n")).seed == "42"
    assert load(HEAD.replace("name: loader test\n", "name: loader test\nseed: 42\n"), seed=7).seed == "7"
