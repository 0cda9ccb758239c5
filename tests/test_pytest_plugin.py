"""The pytest plugin (sandbox/pytest_plugin.py, entry point pytest11): consumer projects run against a real server.

The pytester tests run pytest in a subprocess, in a throwaway directory, with the plugin found through its
entry point. The last test goes further: it builds the wheel, installs it (no editable checkout) into a fresh
virtual environment and runs a consumer project's tests there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

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


def test_a_consumer_suite_gets_a_real_server_and_it_is_cleaned_up(pytester, monkeypatch):
    monkeypatch.setenv("DSOP_REPORT", str(_report(pytester)))
    pytester.makepyfile(test_consumer=CONSUMER_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    seen = json.loads(_report(pytester).read_text())
    assert seen["base_url"].startswith("http://127.0.0.1:")
    with pytest.raises((urllib.error.URLError, ConnectionError)):  # the server is gone with the session
        urllib.request.urlopen(seen["base_url"] + "/health", timeout=2)
    assert not Path(seen["state_dir"]).exists()


def test_nothing_starts_unless_a_fixture_is_asked_for(pytester):
    pytester.makepyfile(test_plain='''
        import sys
        def test_plain():
            assert "sandbox.pytest_plugin" in sys.modules        # the plugin is loaded (entry point) ...
            assert "sandbox.app" not in sys.modules               # ... and lazy: no world, no server
            assert "sandbox.background" not in sys.modules
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

        def test_zz_report():
            with open(os.environ["DSOP_REPORT"], "w") as f:
                json.dump({k: sorted(v) for k, v in urls.items()}, f)
    ''')
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*test_marker[[]scenario=faulty[]]*PASSED*"])
    urls = json.loads(_report(pytester).read_text())
    assert len(urls["small"]) == 1 and len(urls["faulty"]) == 1  # one server per scenario, shared by its tests


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


@pytest.mark.slow
def test_a_throwaway_consumer_project_that_only_installs_the_package(tmp_path):
    """Build the wheel from a copy of the sources, install it into a new venv (its dependencies come from this
    environment through a .pth, so no network is needed), and run a consumer project's tests there."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("sandbox", "scenarios"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", src])
    wheel = next((tmp_path / "dist").glob("dsop_sandbox-*.whl"))

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # Third-party dependencies (flask, joserfc, pytest, ...) from this environment. Only the path: the .pth
    # files there (among them this checkout's editable install) are not processed.
    (purelib / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel])

    project = tmp_path / "consumer"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (project / "test_consumer.py").write_text(CONSUMER_TEST + textwrap.dedent('''

        def test_installed_from_the_wheel():
            import sandbox
            from sandbox.scenario.catalog import scenarios_dir
            assert "site-packages" in sandbox.__file__ and "{root}" not in sandbox.__file__
            assert scenarios_dir().name == "bundled_scenarios"
            assert (scenarios_dir() / "default.yaml").is_file()
    ''').replace("{root}", str(ROOT)))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["DSOP_REPORT"] = str(tmp_path / "report.json")
    proc = subprocess.run([python, "-m", "pytest", "-q"], cwd=project, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "4 passed" in proc.stdout
