"""The pytest plugin (sandbox/pytest_plugin.py, entry point pytest11): consumer projects run against a real server.

The pytester tests run pytest in a subprocess, in a throwaway directory, with the plugin found through its
entry point; between them they cover the ini options, the marker, the token and headers helpers, the directory,
the parties and the clean-up. The last test goes further: it builds the wheel, installs it into a fresh virtual
environment that holds only the package's declared dependencies (and pytest) — not this checkout, not its
editable install — and runs a consumer project's tests there.
"""

from __future__ import annotations

import email.parser
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _consumer_runs_without_hypothesis(monkeypatch):
    """The consumer runs load every plugin of this environment; hypothesis's (our own tests' dependency, not a
    consumer's) takes about 1.5 s of each run's start-up, and nothing here is about it."""
    monkeypatch.setenv("PYTEST_ADDOPTS", (os.environ.get("PYTEST_ADDOPTS", "") + " -p no:hypothesispytest").strip())

CONSUMER_TEST = '''
import json, os, urllib.request

BANK = "320907063"  # SANDKASSE SPAREBANK in the default scenario


def test_a_consumer_asks_a_bank(dsop_sandbox):
    ola = dsop_sandbox.party("ola-joint")
    token = dsop_sandbox.token("skatteetaten", bank=BANK)
    url = dsop_sandbox.base_url + f"/banks/{BANK}/v2/accounts?fromDate=2024-01-01&toDate=2025-06-30&OnlyPrimaryOwner=false"
    headers = dsop_sandbox.headers("skatt", bank=BANK, party=ola["identifier"], Authorization=f"Bearer {token}")
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
        body = json.loads(r.read())
    assert [a["accountIdentifier"] for a in body["accounts"]] == ["99101785188", "99106991894", "99118055639"]
    assert dsop_sandbox.directory[BANK] == dsop_sandbox.base_url + f"/banks/{BANK}/v2"
    with open(os.environ["DSOP_REPORT"], "w") as f:
        json.dump({"base_url": dsop_sandbox.base_url, "state_dir": dsop_sandbox.server.state_dir}, f)


def test_the_reference_client_through_the_fixture(dsop_sandbox):
    from datetime import date
    from sandbox.client import CaseRequest
    case = dsop_sandbox.client("skatt").run_case(
        CaseRequest("20907245528", "skatt", date(2024, 1, 1), dsop_sandbox.today))
    assert not case.all_refusals and len(case.accounts) == 3


def test_the_world_in_process(dsop_world):
    assert dsop_world.name == "default" and str(dsop_world.today) == "2025-06-30"
    assert dsop_world.party_by_identifier["20907245528"].name == "OLA TESTMANN"
'''


def _report(pytester) -> Path:
    return pytester.path / "report.json"


def _crowded(folder: Path, name: str = "crowded.yaml") -> Path:
    """The shipped `small` scenario renamed `crowded`, with a generated crowd (2 people, 1 organisation)."""
    text = (ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8")
    text = text.replace("\nname: small\n", "\nname: crowded\n")
    assert "name: crowded" in text
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text + "\ngenerate:\n  people: {count: 2}\n  organisations: {count: 1}\n",
                               encoding="utf-8")
    return folder / name


def test_a_consumer_suite_gets_a_real_server(pytester, monkeypatch):
    monkeypatch.setenv("DSOP_REPORT", str(_report(pytester)))
    pytester.makepyfile(test_consumer=CONSUMER_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    seen = json.loads(_report(pytester).read_text())
    assert seen["base_url"].startswith("http://127.0.0.1:")
    with pytest.raises((urllib.error.URLError, ConnectionError)):  # the server is gone with the session
        urllib.request.urlopen(seen["base_url"] + "/health", timeout=2)
    assert not Path(seen["state_dir"]).exists()


CLEANUP_CONFTEST = '''
import json, os, socket, threading

import pytest

SEEN, ALIVE = [], []


def _servers():
    """The names of the background servers' threads still running ("dsop-sandbox http://127.0.0.1:PORT")."""
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("dsop-sandbox ") and t.is_alive())


def _accepts(base_url):
    host, port = base_url.split("//", 1)[1].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def watch(request):
    def record(sandbox):
        assert sandbox.get_json("/health")
        SEEN.append({"test": request.node.name, "base_url": sandbox.base_url, "state_dir": sandbox.server.state_dir})
        ALIVE.append(_servers())
    return record


def pytest_sessionfinish(session):
    """After the session's fixtures are torn down, before the interpreter exits (which would close it all anyway)."""
    with open(os.environ["DSOP_REPORT"], "w") as f:
        json.dump({"seen": SEEN, "alive_during": ALIVE, "alive_after": _servers(),
                   "accepting_after": [s["base_url"] for s in SEEN if _accepts(s["base_url"])],
                   "state_dirs_after": [s["state_dir"] for s in SEEN if os.path.exists(s["state_dir"])]}, f)
'''


def test_each_server_runs_from_its_first_test_to_its_last_and_nothing_outlives_the_session(pytester, monkeypatch):
    """Three scenario choices, their tests interleaved: one server each, however pytest orders the tests, alive
    exactly from its first test to its last. The end is checked inside the session (a conftest hook after the
    fixtures' teardown), not after the process is gone, which would close everything anyway."""
    monkeypatch.setenv("DSOP_REPORT", str(_report(pytester)))
    pytester.makeini("[pytest]\ndsop_sandbox_scenario = small\n")
    pytester.makeconftest(CLEANUP_CONFTEST)
    pytester.makepyfile(test_cleanup='''
        import pytest

        def test_default_1(dsop_sandbox, watch):
            watch(dsop_sandbox)

        @pytest.mark.dsop_scenario("faulty")
        def test_faulty_1(dsop_sandbox, watch):
            watch(dsop_sandbox)

        def test_default_2(dsop_sandbox, watch):
            watch(dsop_sandbox)

        @pytest.mark.dsop_scenario("small", auth=False)
        def test_small_without_auth(dsop_sandbox, watch):
            watch(dsop_sandbox)

        @pytest.mark.dsop_scenario("faulty")
        def test_faulty_2(dsop_sandbox, watch):
            watch(dsop_sandbox)

        def test_default_3(dsop_sandbox, watch):
            watch(dsop_sandbox)

        def test_not_counted(request, watch):  # asks for it only at run time: a server until the session's end
            watch(request.getfixturevalue("dsop_sandbox"))
    ''')
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)
    report = json.loads(_report(pytester).read_text())
    seen = report["seen"]
    assert [s["test"] for s in seen][-1] == "test_not_counted"
    by_test = {s["test"].split("[")[0]: (s["base_url"], s["state_dir"]) for s in seen}  # one port, one state
    assert by_test["test_default_1"] == by_test["test_default_2"] == by_test["test_default_3"]
    assert by_test["test_faulty_1"] == by_test["test_faulty_2"]
    assert len({by_test[t] for t in ("test_default_1", "test_faulty_1", "test_small_without_auth")}) == 3
    urls = [s["base_url"] for s in seen]
    for i, alive in enumerate(report["alive_during"]):
        expected = {u for u in urls if urls.index(u) <= i <= len(urls) - 1 - urls[::-1].index(u)}
        assert alive == sorted(f"dsop-sandbox {u}" for u in expected), (seen[i]["test"], alive)
    assert all(s["state_dir"] for s in seen)
    assert report["alive_after"] == []  # threads joined
    assert report["accepting_after"] == []  # sockets closed
    assert report["state_dirs_after"] == []  # temporary state removed

    # A session stopped early (-x) with a server its remaining tests would have needed: stopped all the same.
    pytester.makepyfile(test_cleanup='''
        def test_fails(dsop_sandbox, watch):
            watch(dsop_sandbox)
            assert False, "on purpose"

        def test_never_runs(dsop_sandbox, watch):
            watch(dsop_sandbox)
    ''')
    pytester.runpytest_subprocess("-x", "-p", "no:cacheprovider").assert_outcomes(failed=1)
    report = json.loads(_report(pytester).read_text())
    assert len(report["seen"]) == 1 and report["alive_during"] == [[f"dsop-sandbox {report['seen'][0]['base_url']}"]]
    assert report["alive_after"] == report["accepting_after"] == report["state_dirs_after"] == []


TOKEN_TEST = '''
import base64, json, urllib.error, urllib.request

import pytest

PERIOD = "fromDate=2024-01-01&toDate=2025-06-30"


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def call(url, headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def bank(dsop_sandbox):
    return sorted(dsop_sandbox.directory)[0]


def test_a_bank_token(dsop_sandbox, bank):
    c = claims(dsop_sandbox.token("skatteetaten", bank=bank))
    assert c["aud"] == dsop_sandbox.directory[bank] == dsop_sandbox.bank_url(bank)
    assert c["scope"] == "bits:kontoinformasjon" and c["consumer"]["ID"] == "0192:974761076"
    assert c["iss"].startswith(dsop_sandbox.base_url) and c["exp"] - c["iat"] == 120  # the scenario's lifetime
    assert claims(dsop_sandbox.token("skatteetaten", bank=bank, ttl=30))["exp"] - c["iat"] in (30, 31)


def test_a_register_token_and_any_audience(dsop_sandbox):
    c = claims(dsop_sandbox.token("skatteetaten", register=True))
    assert c["aud"] == dsop_sandbox.register_url and c["scope"] == "bits:kundeforhold"
    c = claims(dsop_sandbox.token("politiet", audience="https://elsewhere.example/", scope="bits:kontoinformasjon x"))
    assert c["aud"] == "https://elsewhere.example/" and c["scope"] == "bits:kontoinformasjon x"
    assert c["consumer"]["ID"] == "0192:915429785"


def test_the_consumer_by_id_org_number_name_or_client_id(dsop_sandbox):
    consumer = dsop_sandbox.world.consumers["skatteetaten"]
    for name in ("skatteetaten", "974761076", "Skatteetaten", consumer.client_id):
        assert claims(dsop_sandbox.token(name, register=True))["client_id"] == consumer.client_id
    with pytest.raises(KeyError, match="no consumer 'nobody'.*skatteetaten \\(974761076\\)"):
        dsop_sandbox.token("nobody", register=True)
    with pytest.raises(ValueError, match="bank=ORGNO, register=True, or audience= and scope="):
        dsop_sandbox.token("skatteetaten")


def test_the_tokens_and_headers_are_what_the_apis_accept(dsop_sandbox, bank):
    ola = dsop_sandbox.party("ola")["identifier"]
    status, body = call(f"{dsop_sandbox.register_url}/customers/customerRelationships?{PERIOD}&onlyPrimaryOwner=false",
                        dsop_sandbox.headers("skatt", register=True, party=ola))
    assert status == 200 and {b["organizationID"] for b in body["banks"]} == set(dsop_sandbox.directory)
    url = f"{dsop_sandbox.bank_url(bank)}/accounts?{PERIOD}&OnlyPrimaryOwner=false"
    headers = dsop_sandbox.headers("skatt", bank=bank, party=ola)
    assert headers["PartyID"] == ola and headers["Legal-Mandate"] and headers["AccountInfoRequestID"]
    status, body = call(url, headers)
    assert status == 200 and body["accounts"]
    wrong = {"register token at a bank": (dsop_sandbox.token("skatteetaten", register=True), 401),
             "a scope the bank does not take": (dsop_sandbox.token("skatteetaten", audience=dsop_sandbox.bank_url(bank),
                                                                   scope="bits:kundeforhold"), 403),
             "a consumer without the mandate": (dsop_sandbox.token("politiet", bank=bank), 403)}
    for why, (token, expected) in wrong.items():
        assert call(url, {**headers, "Authorization": f"Bearer {token}"})[0] == expected, why
'''


def test_the_token_and_headers_helpers(pytester):
    pytester.makeini("[pytest]\ndsop_sandbox_scenario = small\n")
    pytester.makepyfile(test_tokens=TOKEN_TEST)
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_the_directory_and_the_parties(pytester):
    _crowded(pytester.path)
    pytester.makepyfile(test_world='''
        import json, urllib.request

        import pytest

        pytestmark = pytest.mark.dsop_scenario("crowded.yaml")


        def test_the_directory(dsop_sandbox, dsop_world):
            banks = {b.org_number for b in dsop_world.banks.values()}
            assert set(dsop_sandbox.directory) == banks and len(banks) == 2
            with urllib.request.urlopen(dsop_sandbox.url("/altinn/v1/directharvest/Kontrollinformasjon")) as r:
                listed = {e["orgNo"]: e["url"] for e in json.loads(r.read()) if e["version"] == "v2"}
            assert dsop_sandbox.directory == listed
            for org, url in dsop_sandbox.directory.items():
                assert url == f"{dsop_sandbox.base_url}/banks/{org}/v2" == dsop_sandbox.bank_url(org)


        def test_the_parties_are_the_named_personas(dsop_sandbox, dsop_world):
            named = {pid: p for pid, p in dsop_world.parties.items() if not p.generated}
            assert len(named) == 5 and len(dsop_world.parties) == 8  # 2 generated people, 1 organisation
            assert sorted(p["id"] for p in dsop_sandbox.parties) == sorted(named)
            for p in dsop_sandbox.parties:
                assert p["identifier"] == named[p["id"]].identifier and p["name"] == named[p["id"]].name
                assert p["generated"] is False


        def test_one_party_by_id_or_identity_number_the_crowd_included(dsop_sandbox, dsop_world):
            ola = dsop_sandbox.party("ola")
            assert dsop_sandbox.party(ola["identifier"]) == ola and ola["kind"] == "person"
            assert dsop_sandbox.party("testbygg")["kind"] == "organisation"
            for pid in ("gen-p-000000", "gen-p-000001", "gen-o-000000"):
                member = dsop_sandbox.party(pid)
                assert member["generated"] is True
                assert member["identifier"] == dsop_world.parties[pid].identifier
                assert dsop_sandbox.party(member["identifier"])["id"] == pid
            with pytest.raises(KeyError, match="no party 'nobody' in scenario crowded"):
                dsop_sandbox.party("nobody")
    ''')
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_nothing_starts_unless_a_fixture_is_asked_for(pytester):
    pytester.makepyfile(test_plain='''
        import sys
        def test_plain():
            assert "sandbox.pytest_plugin" in sys.modules        # the plugin is loaded (entry point) ...
            assert "sandbox.app" not in sys.modules               # ... and lazy: no world, no server
            assert "sandbox.cli.background" not in sys.modules
    ''')
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_scenario_from_the_ini_option_and_from_a_marker(pytester, monkeypatch):
    monkeypatch.setenv("DSOP_REPORT", str(_report(pytester)))
    pytester.makeini("[pytest]\ndsop_sandbox_scenario = small\n")
    pytester.makepyfile(test_scenarios='''
        import json, os, pytest

        urls = {}

        def test_ini_default(dsop_sandbox, dsop_world):
            assert dsop_sandbox.scenario == "small" and dsop_world.name == "small"
            urls.setdefault("small", set()).add(dsop_sandbox.base_url)

        def test_same_server_again(dsop_sandbox):
            urls.setdefault("small", set()).add(dsop_sandbox.base_url)

        @pytest.mark.dsop_scenario("faulty")
        def test_marker(dsop_sandbox, dsop_world):
            assert dsop_sandbox.scenario == "faulty" and dsop_world.name == "faulty"
            urls.setdefault("faulty", set()).add(dsop_sandbox.base_url)

        @pytest.mark.dsop_scenario("small", today="2025-01-31", auth=False)
        def test_marker_options(dsop_sandbox):
            assert str(dsop_sandbox.today) == "2025-01-31"
            assert dsop_sandbox.get_json("/health")["auth"] is False

        @pytest.mark.dsop_scenario("small", fault_headers=True)
        def test_marker_fault_headers(dsop_sandbox):
            import urllib.error, urllib.request
            url = (dsop_sandbox.register_url + "/customers/customerRelationships?fromDate=2025-01-01"
                   "&toDate=2025-06-30&onlyPrimaryOwner=false")
            headers = dsop_sandbox.headers("skatt", register=True, party=dsop_sandbox.party("ola")["identifier"],
                                           **{"Sandbox-Fault": "500"})
            with pytest.raises(urllib.error.HTTPError) as failed:
                urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)
            assert failed.value.code == 500 and failed.value.headers["Sandbox-Fault"] == "header"

        def test_zz_report():
            with open(os.environ["DSOP_REPORT"], "w") as f:
                json.dump({k: sorted(v) for k, v in urls.items()}, f)
    ''')
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*test_marker[[]scenario=faulty[]]*PASSED*",
                                 "*test_marker_fault_headers[[]scenario=small-fault_headers[]]*PASSED*"])
    urls = json.loads(_report(pytester).read_text())
    assert len(urls["small"]) == 1 and len(urls["faulty"]) == 1  # one server per scenario, shared by its tests


def test_every_ini_option_and_a_scenario_file_relative_to_the_ini_file(pytester):
    """The ini file is in project/, pytest runs from the directory above: the scenario file is found relative to
    the ini file, not to the working directory. A marker changes the scenario and keeps the ini's other options."""
    project = pytester.path / "project"
    _crowded(project / "scenarios")
    (project / "pytest.ini").write_text("[pytest]\ndsop_sandbox_scenario = scenarios/crowded.yaml\n"
                                       "dsop_sandbox_seed = 7\ndsop_sandbox_today = 2025-03-31\n"
                                       "dsop_sandbox_auth = false\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_ini.py").write_text(textwrap.dedent('''
        import pytest


        def test_the_ini_options(dsop_sandbox, dsop_world):
            assert dsop_sandbox.scenario == dsop_world.name == "crowded"
            assert str(dsop_sandbox.today) == str(dsop_world.today) == "2025-03-31"
            assert str(dsop_sandbox.world.seed) == str(dsop_world.seed) == "7"
            assert dsop_sandbox.get_json("/health")["auth"] is False
            served = {pid: p.identifier for pid, p in dsop_sandbox.world.parties.items()}
            assert served == {pid: p.identifier for pid, p in dsop_world.parties.items()}


        @pytest.mark.dsop_scenario("small")
        def test_a_marker_keeps_the_other_ini_options(dsop_sandbox, dsop_world):
            assert dsop_sandbox.scenario == dsop_world.name == "small"
            assert str(dsop_sandbox.today) == "2025-03-31" and str(dsop_world.seed) == "7"
            assert dsop_sandbox.get_json("/health")["auth"] is False
    '''))
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider", "project/tests")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_a_marker_keeps_the_other_ini_options[[]scenario=small-seed=7-today=2025-03-31-"
                                 "auth=off[]] PASSED*"])


def test_a_marker_without_a_scenario_is_a_usage_error(pytester):
    pytester.makepyfile(test_bad='''
        import pytest

        @pytest.mark.dsop_scenario()
        def test_it(dsop_sandbox):
            pass
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError: @pytest.mark.dsop_scenario needs the scenario*"])


def test_a_scenario_file_relative_to_the_test_module(pytester):
    shutil.copy(ROOT / "scenarios" / "small.yaml", pytester.path / "mine.yaml")
    pytester.makepyfile(test_file='''
        import pytest
        pytestmark = pytest.mark.dsop_scenario("mine.yaml")

        def test_it(dsop_sandbox):
            assert dsop_sandbox.scenario == "small"
            assert dsop_sandbox.party("ola")["identifier"] == "17858441641"
    ''')
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_plugin_is_registered_and_documents_itself(pytester):
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*dsop_scenario(scenario*"])
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*dsop_sandbox_scenario*"])
    pytester.makepyfile(test_off="def test_off(dsop_sandbox):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:dsop_sandbox", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'dsop_sandbox' not found*"])


# ---- installed from a wheel into a fresh virtual environment ----------------------------------------------------
def _run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _requirements(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist: what pip would install with it (the extras' lines are skipped by their markers)."""
    with zipfile.ZipFile(wheel) as z:
        metadata = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(z.read(metadata).decode("utf-8")).get_all("Requires-Dist") or []


def _closure(requirements: list[str]) -> list[importlib.metadata.Distribution]:
    """The distributions of this environment that `requirements` need, and the ones those need, recursively
    (markers evaluated for this interpreter; extras followed). Fails if one is missing or of the wrong version."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, importlib.metadata.Distribution] = {}
    done, todo = set(), [(line, ("",)) for line in requirements]
    while todo:
        line, extras = todo.pop()
        req = Requirement(line)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in extras):
            continue
        name = canonicalize_name(req.name)
        if (name, frozenset(req.extras)) in done:
            continue
        done.add((name, frozenset(req.extras)))
        try:
            dist = importlib.metadata.distribution(req.name)
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{req}: not installed in this environment (pip install -e '.[test]')")
        assert req.specifier.contains(dist.version, prereleases=True), f"{req}: this environment has {dist.version}"
        found[name] = dist
        todo += [(r, ("", *sorted(req.extras))) for r in dist.requires or ()]
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def _site_with(dists: list[importlib.metadata.Distribution], folder: Path) -> None:
    """A folder holding exactly these distributions: their top-level modules, packages and .dist-info, symlinked
    from where they are installed (no copy, no network). Scripts and .pth files are left out."""
    folder.mkdir()
    for dist in dists:
        tops = {Path(f).parts[0] for f in dist.files or ()} - {"..", "__pycache__"}
        assert tops, f"{dist.metadata['Name']}: no RECORD, cannot tell its files"
        for top in sorted(t for t in tops if not t.endswith(".pth")):
            source, link = Path(dist.locate_file(top)), folder / top
            if link.is_symlink():  # a namespace shared by two distributions
                assert link.resolve() == source.resolve(), (dist.metadata["Name"], top)
                continue
            link.symlink_to(source, target_is_directory=source.is_dir())


INSTALLED_TEST = '''

def test_installed_from_the_wheel_and_nothing_else():
    import importlib.metadata, sys
    from pathlib import Path

    import sandbox
    from sandbox.scenario.catalog import scenarios_dir

    venv, checkout = Path(os.environ["DSOP_VENV"]).resolve(), Path(os.environ["DSOP_CHECKOUT"]).resolve()
    site = Path(sandbox.__file__).resolve().parent.parent
    assert site.is_relative_to(venv) and site.name == "site-packages"
    assert Path(sys.modules["sandbox.pytest_plugin"].__file__).resolve().is_relative_to(venv)  # what pytest loaded
    entries = [Path(p or os.getcwd()).resolve() for p in sys.path]
    assert checkout not in entries and not any(p.is_relative_to(checkout / "sandbox") for p in entries)
    assert [p for p in entries if (p / "sandbox").exists()] == [site]  # no other `sandbox` to import
    assert not [m for m in sys.modules if "__editable__" in m]
    assert not [f for f in sys.meta_path if "editable" in repr(f).lower()]
    ours = [d for d in importlib.metadata.distributions()
            if d.metadata["Name"].lower().replace("_", "-") == "dsop-sandbox"]
    assert len(ours) == 1 and Path(ours[0].locate_file("sandbox")).resolve() == site / "sandbox"
    plugins = [ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.name == "dsop_sandbox"]
    assert [ep.value for ep in plugins] == ["sandbox.pytest_plugin"]
    assert scenarios_dir().name == "bundled_scenarios" and scenarios_dir().resolve().is_relative_to(venv)
    assert (scenarios_dir() / "default.yaml").is_file()
'''


@pytest.mark.slow
def test_a_throwaway_consumer_project_that_only_installs_the_package(tmp_path):
    """Build the wheel from a copy of the sources and install it with pip into a new virtual environment that
    holds nothing but the wheel's declared dependencies and pytest — symlinked from this environment, so no
    network is needed, and pip (no index, no find-links) must find every dependency there — and not this checkout
    or its editable install. Then run a consumer project's tests in it, isolated the way pytester isolates its
    runs: own directory and HOME, no inherited PYTHON*/PYTEST_* settings, `python -I`."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("sandbox", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", src])
    wheel = next((tmp_path / "dist").glob("dsop_sandbox-*.whl"))

    deps = tmp_path / "dependencies"
    _site_with(_closure(_requirements(wheel) + ["pytest"]), deps)
    assert not [p for p in deps.iterdir() if p.name.lower().startswith(("dsop_sandbox", "__editable__", "sandbox"))]
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "dependencies.pth").write_text(f"{deps}\n")
    pip_env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    pip_env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")  # no index, no find-links
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "-q", wheel], env=pip_env)

    project = tmp_path / "consumer"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (project / "test_consumer.py").write_text(CONSUMER_TEST + INSTALLED_TEST)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PYTEST_", "PIP_")) and k not in ("VIRTUAL_ENV", "TOX_ENV_DIR")}
    env.update(HOME=str(home), USERPROFILE=str(home), PY_COLORS="0", DSOP_REPORT=str(tmp_path / "report.json"),
               DSOP_VENV=str(venv), DSOP_CHECKOUT=str(ROOT))
    junit = tmp_path / "junit.xml"
    proc = subprocess.run([python, "-I", "-m", "pytest", "-q", f"--basetemp={tmp_path / 'basetemp'}",
                           f"--junitxml={junit}"], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    suite = ElementTree.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    counts = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": 4, "failures": 0, "errors": 0, "skipped": 0}, proc.stdout[-4000:]
    assert not Path(json.loads((tmp_path / "report.json").read_text())["state_dir"]).exists()
