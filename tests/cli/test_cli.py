"""`dsop-sandbox` (sandbox/cli/main.py): validate, scenarios and every command's --help (DESIGN D19)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sandbox.cli.main import main
from sandbox.scenario import catalog, load_scenario
from sandbox.world import build_world, world_digest

GOOD = """\
version: 1
name: cli test
description: |
  A small world for the CLI tests.
  Second line of the description.
seed: 99
today: 2025-06-30
banks:
  - {id: alpha, name: ALPHA BANK, registration_numbers: ["9910"]}
  - {id: beta, name: BETA BANK, register: kfr}
people:
  - {id: kari, name: Kari Nordmann}
  - {id: ola}
accounts:
  - {id: a1, bank: alpha, type: salaryAccount, opened: -2y, owners: [{party: kari}, {party: ola}]}
consumers:
  - {id: skatteetaten, name: Skatteetaten, org_number: "974761076", services: [skatt]}
generate:
  people: {count: 5}
"""

BAD = """\
version: 1
name: cli test
banks:
  - {id: alpha, name: ALPHA BANK}
people:
  - id: kari
    nmae: Kari
    national_id: 17858027241
accounts:
  - {id: a1, bank: alpha, type: checkingAccount, opened: 2024-13-01, owners: [{party: kari}]}
"""

PROBLEM_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<path>[\w\[\].]+|\(top level\)): (?P<message>.+)$")


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


def run_main(argv, capsys) -> tuple[int, str, str]:
    """main(argv) → (exit status, stdout, stderr), whether it returns or raises SystemExit."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONHASHSEED": "random"}, check=False)


# ---- validate ---------------------------------------------------------------------------------------------

def test_validate_prints_summary_and_digest(good, capsys):
    code, out, err = run_main(["validate", str(good)], capsys)
    assert (code, err) == (0, "")
    lines = out.split("\n\n")[1].splitlines()  # after the parties (test_validate_lists_the_named_parties)
    labels = [line.split("  ")[0] for line in lines]
    assert labels == ["scenario", "seed", "today", "date range", "entities", "banks", "personas", "build time",
                      "world digest"]
    assert lines[0] == f"scenario      cli test ({good})"
    assert lines[1] == "seed          99"
    assert lines[2] == "today         2025-06-30"  # the file's today
    start, end = lines[3].removeprefix("date range    ").split(" .. ")
    assert end == "2025-06-30" and start <= "2023-06-30"  # the explicit account opened -2y; the crowd may be older
    assert "2 banks" in lines[4] and "7 people" in lines[4] and "0 organisations" in lines[4]
    assert "ALPHA BANK (" in lines[5] and ", KAR)" in lines[5] and ", KFR)" in lines[5]
    assert lines[6] == "personas      2 named, 5 generated"
    assert re.fullmatch(r"build time    \d+\.\d\d s", lines[7])
    spec = load_scenario(good)
    assert lines[-1] == f"world digest  {world_digest(build_world(spec))}"
    assert re.fullmatch(r"world digest  [0-9a-f]{64}", lines[-1])


def test_validate_seed_and_today_options(good, capsys):
    _, base, _ = run_main(["validate", str(good)], capsys)
    code, seeded, _ = run_main(["validate", str(good), "--seed", "100"], capsys)
    assert code == 0 and "seed          100" in seeded
    assert seeded.splitlines()[-1] != base.splitlines()[-1]
    code, later, _ = run_main(["validate", str(good), "--today", "2025-12-31"], capsys)
    assert code == 0 and "today         2025-12-31" in later and ".. 2025-12-31" in later
    expected = world_digest(build_world(load_scenario(good, today=date(2025, 12, 31))))
    assert later.splitlines()[-1] == f"world digest  {expected}"


def test_validate_same_digest_in_a_subprocess(good, capsys):
    _, out, _ = run_main(["validate", str(good)], capsys)
    run = run_cli("validate", str(good))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == out.splitlines()[-1]


def test_bad_file_exits_2_with_one_line_per_problem(bad, capsys):
    code, out, err = run_main(["validate", str(bad)], capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[-1] == "4 problem(s) found; nothing was built."
    parsed = [PROBLEM_LINE.match(line) for line in lines[:-1]]
    assert all(parsed), lines
    assert {(m["file"], int(m["line"]), m["path"]) for m in parsed} == {
        (str(bad), 7, "people[0].nmae"),
        (str(bad), 8, "people[0].national_id"),
        (str(bad), 10, "accounts[0].type"),
        (str(bad), 10, "accounts[0].opened"),
    }


def test_bad_file_in_a_subprocess_has_no_traceback(bad):
    run = run_cli("validate", str(bad))
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith(f"{bad}:")
    assert all(PROBLEM_LINE.match(line) for line in run.stderr.splitlines()[:-1])


@pytest.mark.parametrize("content, fragment", [
    (b"version: 1\nname: [x\n", "not valid YAML"),
    (b"- just\n- a list\n", "expected a mapping at the top"),
    ("name: Bjørn\n".encode("latin-1"), "not UTF-8 text"),
])
def test_unreadable_files_exit_2(tmp_path, capsys, content, fragment):
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    code, out, err = run_main(["validate", str(path)], capsys)
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"{path}") and fragment in first
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    path = tmp_path / "missing.yaml"
    code, out, err = run_main(["validate", str(path)], capsys)
    assert code == 2
    assert err.splitlines() == [f"{path}: (top level): no such file", "1 problem(s) found; nothing was built."]


def _party_rows(out: str) -> dict[str, list[str]]:
    """The party table `validate` prints first: {id: [name, identity number, kind, banks]}."""
    rows = {}
    for line in out.split("\n\n")[0].splitlines()[1:]:
        if line.startswith("  ") and not line.startswith("  ..."):
            cells = re.split(r"\s{2,}", line.strip())
            rows[cells[0]] = cells[1:]
    return rows


def test_validate_lists_the_named_parties(good, capsys):
    """A scenario author needs the generated identity numbers for a first call (issue 15)."""
    code, out, _ = run_main(["validate", str(good)], capsys)
    assert code == 0
    table = out.split("\n\n")[0].splitlines()
    assert table[0] == "named parties: id, name, identity number, kind, banks"
    assert table[-1] == "  ... and 5 generated (validate --parties lists them)"
    world = build_world(load_scenario(good))
    rows = _party_rows(out)
    assert set(rows) == {"kari", "ola"}
    for pid, (name, number, kind, banks) in rows.items():
        party = world.parties[pid]
        assert (name, number, kind, banks) == (party.name, party.identifier, "person", "alpha")


def test_validate_parties_lists_the_generated_crowd_too(good, capsys):
    code, out, _ = run_main(["validate", str(good), "--parties"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "parties (named and generated): id, name, identity number, kind, banks"
    world = build_world(load_scenario(good))
    rows = _party_rows(out)
    assert set(rows) == set(world.parties) and len(rows) == 7
    for pid, (_name, number, _kind, _banks) in rows.items():
        assert number == world.parties[pid].identifier
    assert "generated (validate --parties" not in out


def test_validate_names_the_kind_of_the_shipped_personas(capsys):
    code, out, _ = run_main(["validate", "default"], capsys)
    assert code == 0
    rows = _party_rows(out)
    assert rows["arne-deceased"][1:3] == ["11824623319", "person, died 2025-06-09"]
    assert rows["hanne-shielded"][2] == "person, shielded"
    assert rows["lukas-dnumber"][2] == "D-number"
    assert rows["smuldre-bakeri"][2] == "organisation, bankrupt 2025-02-28"
    assert rows["ingrid-multibank"][3] == "sandkasse, fjordtest, nordlys, kfr-finans"


def test_validate_refuses_a_scenario_without_consumers(good, capsys):
    path = good.with_name("nobody.yaml")
    path.write_text(GOOD.split("consumers:")[0] + "generate:\n  people: {count: 5}\n", encoding="utf-8")
    code, out, err = run_main(["validate", str(path)], capsys)
    assert (code, out) == (2, "")
    first = err.splitlines()[0]
    assert first.startswith(f"{path}: consumers: no consumers: list at least one agency")
    assert "invalid_client" in first


def test_validate_needs_a_file(capsys):
    code, out, err = run_main(["validate"], capsys)
    assert code == 2 and out == ""
    assert "give a scenario FILE" in err


def test_validate_rejects_a_bad_today(good, capsys):
    code, _, err = run_main(["validate", str(good), "--today", "2025-13-01"], capsys)
    assert code == 2
    assert "'2025-13-01' is not a date" in err


def test_validate_schema_prints_the_json_schema(capsys):
    from sandbox.scenario.jsonschema import scenario_json_schema

    code, out, err = run_main(["validate", "--schema"], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out) == scenario_json_schema()


DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml"


@pytest.mark.skipif(not DEFAULT.exists(), reason="scenarios/default.yaml is not written yet")
def test_validate_the_shipped_default_by_name(capsys):
    code, out, err = run_main(["validate", "default"], capsys)
    assert code == 0, err
    assert out.split("\n\n")[1].startswith("scenario      ")  # after the party table
    assert re.fullmatch(r"world digest  [0-9a-f]{64}", out.splitlines()[-1])


# ---- help and version -------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["--help"], ["validate", "scenarios", "serve"]),
    (["validate", "--help"], ["FILE", "--schema", "--seed", "--today"]),
    (["scenarios", "--help"], ["shipped scenarios"]),
    (["serve", "--help"], ["--scenario", "--host", "--port", "--workers", "--lenient"]),
])
def test_help(capsys, argv, words):
    code, out, err = run_main(argv, capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: dsop-sandbox")
    for word in words:
        assert word in out


def test_version(capsys):
    from sandbox import __version__

    code, out, _ = run_main(["--version"], capsys)
    assert code == 0 and out.strip() == f"dsop-sandbox {__version__}"


def test_no_command_is_a_usage_error(capsys):
    code, out, err = run_main([], capsys)
    assert code == 2 and "usage: dsop-sandbox" in err


# ---- scenarios --------------------------------------------------------------------------------------------

@pytest.fixture
def shipped_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    monkeypatch.setattr(catalog, "scenarios_dir", lambda: folder)
    return folder


def test_scenarios_lists_files(shipped_dir, capsys):
    (shipped_dir / "zeta.yaml").write_text(GOOD, encoding="utf-8")
    (shipped_dir / "alpha.yaml").write_text("version: 1\nname: a\ndescription: First world.\nbanks: []\n", encoding="utf-8")
    (shipped_dir / "nodesc.yaml").write_text("version: 1\nname: n\n", encoding="utf-8")
    (shipped_dir / "broken.yaml").write_text("name: [oops\n", encoding="utf-8")
    (shipped_dir / "notes.txt").write_text("not a scenario", encoding="utf-8")
    code, out, err = run_main(["scenarios"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "alpha   First world.",  # names padded to the longest
        "broken  (not valid YAML: run `dsop-sandbox validate` on it)",
        "nodesc  ",
        "zeta    A small world for the CLI tests.",  # the first line of the description only
    ]


def test_scenarios_with_an_empty_folder(shipped_dir, capsys):
    code, out, err = run_main(["scenarios"], capsys)
    assert (code, out, err) == (0, "", "")


def test_scenarios_survives_a_file_that_is_not_a_mapping(shipped_dir, capsys):
    (shipped_dir / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    code, out, _ = run_main(["scenarios"], capsys)
    assert code == 0 and out.startswith("list")


@pytest.mark.skipif(not DEFAULT.exists(), reason="scenarios/default.yaml is not written yet")
def test_scenarios_lists_the_shipped_default(capsys):
    code, out, _ = run_main(["scenarios"], capsys)
    assert code == 0
    assert "default" in [line.split()[0] for line in out.splitlines() if line.strip()]


def test_resolve_finds_a_shipped_scenario_by_name(shipped_dir, good):
    assert catalog.resolve(str(good)) == good
    assert catalog.resolve("default") == shipped_dir / "default.yaml"
    assert catalog.resolve("elsewhere/missing.yaml") == Path("elsewhere/missing.yaml")


# ---- DSOP_SANDBOX_URL -------------------------------------------------------------------------------------

def test_token_takes_the_server_url_from_the_environment(monkeypatch, capsys):
    """docs/serve.md: a server on another port is named once, `export DSOP_SANDBOX_URL=...`; --public-url wins."""
    from sandbox.jwt_segments import payload

    monkeypatch.setenv("DSOP_SANDBOX_URL", "http://127.0.0.1:8001/")
    code, out, _ = run_main(["token", "--consumer", "skatteetaten", "--bank", "320907063"], capsys)
    assert code == 0
    claims = payload(out.strip())
    assert (claims["aud"], claims["iss"]) == ("http://127.0.0.1:8001/banks/320907063/v2",
                                              "http://127.0.0.1:8001/maskinporten/")
    code, out, _ = run_main(["token", "--consumer", "skatteetaten", "--register", "--public-url",
                             "http://sandbox.example:9000"], capsys)
    assert payload(out.strip())["aud"] == "http://sandbox.example:9000/kar-ws/api/v2"
    monkeypatch.delenv("DSOP_SANDBOX_URL")
    code, out, _ = run_main(["token", "--consumer", "skatteetaten", "--register"], capsys)
    assert payload(out.strip())["aud"] == "http://127.0.0.1:8000/kar-ws/api/v2"
