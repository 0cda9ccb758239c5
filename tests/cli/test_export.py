"""`dsop-sandbox export`: the committed golden corpus (fixtures/default, the default scenario's named personas) is
current, byte-identical across runs and PYTHONHASHSEED values, and its bodies are the bytes a real server sends;
the default export (every party, the generated crowd included) covers every party of the world, just as
byte-identically.

When a behaviour change is intended, regenerate and review the diff:

    .venv/bin/dsop-sandbox export --scenario default --out fixtures/default --named      (or: make fixtures)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from sandbox.cli import main as cli
from sandbox.cli.background import BackgroundServer
from sandbox.cli.export import ExportError, build_corpus, write_corpus
from sandbox.client import ClientConfig, DsopClient
from sandbox.scenario import load_scenario
from sandbox.scenario.catalog import resolve
from sandbox.world import build_world

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "default"
REGENERATE = "regenerate with `.venv/bin/dsop-sandbox export --scenario default --out fixtures/default --named` " \
             "(make fixtures) and review the diff"
COMMITTED = ["--scenario", "default", "--named"]  # how fixtures/default is made (Makefile, target fixtures)


@pytest.fixture(scope="module")
def corpus():
    return build_corpus("default", parties="named")


def test_make_fixtures_exports_what_this_file_compares():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nfixtures:", 1)[1]
    recipe = next(line for line in makefile.splitlines() if line.startswith("\t") and "dsop-sandbox export" in line)
    args = recipe.split("dsop-sandbox export", 1)[1].split()
    at = args.index("--out")
    assert args[at + 1] == "fixtures/default"
    assert sorted(args[:at] + args[at + 2:]) == sorted(COMMITTED)


def _committed() -> dict[str, bytes]:
    return {p.relative_to(FIXTURES).as_posix(): p.read_bytes() for p in sorted(FIXTURES.rglob("*")) if p.is_file()}


def test_the_committed_corpus_is_current(corpus):
    files, manifest = corpus
    committed = _committed()
    fresh = {**files, "manifest.json": None}
    missing, extra = sorted(set(fresh) - set(committed)), sorted(set(committed) - set(fresh))
    assert not missing and not extra, f"files differ (missing {missing[:5]}, extra {extra[:5]}): {REGENERATE}"
    changed = [path for path, data in files.items() if committed[path] != data]
    assert not changed, f"{len(changed)} answer(s) changed, e.g. {changed[:5]}: {REGENERATE}"
    assert json.loads(committed["manifest.json"]) == manifest, f"manifest.json changed: {REGENERATE}"


def test_the_manifest_describes_the_corpus(corpus):
    files, manifest = corpus
    assert manifest["scenario"]["name"] == "default" and manifest["seed"] == "2025"
    assert manifest["today"] == "2025-06-30" and len(manifest["digest"]) == 64
    assert manifest["period"] == {"fromDate": "2024-01-01", "toDate": "2025-06-30"}
    listed = {f["path"]: f for f in manifest["files"]}
    assert list(listed) == sorted(files)
    for path, data in files.items():
        assert listed[path]["sha256"] == hashlib.sha256(data).hexdigest() and listed[path]["bytes"] == len(data)
    assert manifest["selection"] == {"parties": "named", "count": 22, "worldParties": 372}
    assert len(manifest["parties"]) == 22
    assert {p["id"] for p in manifest["parties"]} == set(_party_dirs(files))


def test_every_file_describes_a_request_and_its_answer_without_secrets(corpus):
    files, _ = corpus
    endpoints = set()
    for path, data in files.items():
        doc = json.loads(data)
        request, response = doc["request"], doc["response"]
        assert request["method"] == "GET" and response["status"] == 200, path
        assert "Authorization" not in request["headers"] and b"eyJ" not in data  # no token anywhere
        if path != "directory.json":
            assert request["token"]["scope"] in ("bits:kundeforhold", "bits:kontoinformasjon")
        endpoints.add(path.rsplit("/", 1)[-1].split(".")[0])
    assert endpoints == {"directory", "customerRelationships", "accounts", "details", "transactions", "cards", "roles",
                         "owners"}


def test_the_bodies_are_the_bytes_a_real_server_sends(corpus):
    """Replay every request of the corpus over HTTP with real tokens; compare each body's SHA-256."""
    files, manifest = corpus
    # strict, as the export answers (docs/compatibility.md): the corpus is the standard's answers, not a draw of the
    # default scenario's production bank (nordlys), whose knobs change some bodies.
    with BackgroundServer("default", audit=False, profile="strict") as server:
        client = DsopClient(ClientConfig.shipped(server.base_url, "skatt"))
        public = manifest["publicUrl"]
        for path, data in files.items():
            if path == "directory.json":  # it lists the server's own URL, which differs here
                continue
            doc = json.loads(data)
            request = doc["request"]
            audience = request["token"]["audience"].replace(public, server.base_url)
            headers = {**request["headers"],
                       "Authorization": f"Bearer {client.maskinporten.token(request['token']['scope'], audience)}"}
            url = f"{server.base_url}{request['path']}?{urlencode(request['query'])}"
            r = client.transport.request("GET", url, headers, retry=False)
            assert r.status == 200, (path, r.body[:200])
            assert hashlib.sha256(r.body).hexdigest() == doc["response"]["bodySha256"], path


def other_hash_seed() -> str:
    """A PYTHONHASHSEED other than this process's (which is random unless the environment fixes it)."""
    return "0" if os.environ.get("PYTHONHASHSEED") == "4242" else "4242"


def test_byte_identical_across_runs_and_hash_seeds(tmp_path):
    """The CLI, in a process with another hash seed, writes the committed corpus byte for byte; this process's
    export (the `corpus` fixture) is compared with the same files in test_the_committed_corpus_is_current."""
    out = tmp_path / "corpus"
    proc = _export(out, *COMMITTED, hash_seed=other_hash_seed())
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert _tree(out) == _committed(), REGENERATE


def test_a_new_export_replaces_the_old_one_and_leaves_other_files_alone(tmp_path):
    out = tmp_path / "corpus"
    assert cli.main(["export", "--scenario", "small", "--out", str(out), "--quiet"]) == 0
    (out / "notes.md").write_text("mine\n")
    manifest = json.loads((out / "manifest.json").read_text())  # a file an earlier export wrote, gone since
    manifest["files"].append({"path": "parties/ghost/gone.json", "sha256": "", "bytes": 0})
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "parties" / "ghost").mkdir()
    (out / "parties" / "ghost" / "gone.json").write_text("{}")
    assert cli.main(["export", "--scenario", "small", "--out", str(out), "--from", "2025-06-01", "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["period"] == {"fromDate": "2025-06-01", "toDate": "2025-06-30"}
    found = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert found == {f["path"] for f in manifest["files"]} | {"manifest.json", "notes.md"}
    assert not (out / "parties" / "ghost").exists()


def test_export_refuses_to_overwrite_a_corpus_without_manifest(tmp_path):
    (tmp_path / "parties").mkdir()
    with pytest.raises(ExportError):
        write_corpus(tmp_path, {"directory.json": b"{}\n"}, {"files": []})


# ---- every party (the default) and --named ------------------------------------------------------------------
CROWD = "\ngenerate:\n  people: {count: 4}\n  organisations: {count: 2}\n"


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """The shipped `small` scenario (4 people, 1 organisation, no crowd) with a crowd of 4 people and 2
    organisations: a world with both kinds of party, exported in a second."""
    scenario = tmp_path_factory.mktemp("scenario") / "crowded.yaml"
    scenario.write_text((ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8") + CROWD, encoding="utf-8")
    world = build_world(load_scenario(resolve(str(scenario))))
    generated = [p.generated for p in world.parties.values()]
    assert generated.count(True) == 6 and generated.count(False) == 5
    return scenario, world


def _party_dirs(files) -> list[str]:
    return sorted({path.split("/")[1] for path in files if path.startswith("parties/")})


def _export(out: Path, *args: str, hash_seed: str | None = None) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("dsop-sandbox")
    env = {**os.environ, **({"PYTHONHASHSEED": hash_seed} if hash_seed else {})}
    return subprocess.Popen([str(exe), "export", *args, "--out", str(out), "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_default_export_covers_every_party_byte_identically_across_hash_seeds(crowded, tmp_path):
    """No flag: every party. Exported here and in a process with another hash seed: the same bytes."""
    scenario, world = crowded
    proc = _export(tmp_path / "there", "--scenario", str(scenario), hash_seed=other_hash_seed())
    assert cli.main(["export", "--scenario", str(scenario), "--out", str(tmp_path / "here"), "--quiet"]) == 0
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    first, second = _tree(tmp_path / "here"), _tree(tmp_path / "there")
    assert first == second
    files = {path: data for path, data in first.items() if path != "manifest.json"}
    assert _party_dirs(files) == sorted(world.parties)  # every party of the world, the crowd included
    for party in world.parties:
        assert f"parties/{party}/customerRelationships.json" in files
    assert any(f"parties/{pid}/" in path and path.endswith("/transactions.json")
               for pid in ("gen-o-000000", "gen-o-000001") for path in files)  # the crowd's banks were walked too
    manifest = json.loads(first["manifest.json"])
    assert manifest["selection"] == {"parties": "all", "count": 11, "worldParties": 11}
    assert [p["id"] for p in manifest["parties"]] == list(world.parties)
    assert [f["path"] for f in manifest["files"]] == sorted(files)


def test_named_limits_the_export_to_the_named_personas_and_all_is_the_default(crowded, tmp_path):
    scenario, world = crowded
    everyone, _ = build_corpus(str(scenario))
    assert cli.main(["export", "--scenario", str(scenario), "--out", str(tmp_path / "named"), "--named",
                     "--quiet"]) == 0
    named = _tree(tmp_path / "named")
    manifest = json.loads(named.pop("manifest.json"))
    assert manifest["selection"] == {"parties": "named", "count": 5, "worldParties": 11}
    assert _party_dirs(named) == sorted(pid for pid, p in world.parties.items() if not p.generated)
    assert [p["id"] for p in manifest["parties"]] == [pid for pid, p in world.parties.items() if not p.generated]
    assert all(everyone[path] == data for path, data in named.items())  # the same answers, fewer parties

    assert cli.main(["export", "--scenario", str(scenario), "--out", str(tmp_path / "all"), "--all", "--quiet"]) == 0
    alias = _tree(tmp_path / "all")
    assert json.loads(alias.pop("manifest.json"))["selection"]["parties"] == "all"
    assert alias == everyone  # --all: still accepted, and the same as no flag


def test_named_and_all_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["export", "--out", str(tmp_path), "--named", "--all"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(ExportError, match="unknown party selection"):
        build_corpus("small", parties="crowd")
    assert not any(tmp_path.iterdir())


def test_help_says_every_party_is_the_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--named only the named personas" in text and "(default: every party)" in text
    assert "By default every party of the world is exported" in text
