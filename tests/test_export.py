"""`dsop-sandbox export`: the committed golden corpus (fixtures/default) is current, byte-identical across runs
and PYTHONHASHSEED values, and its bodies are the bytes a real server sends.

When a behaviour change is intended, regenerate and review the diff:

    .venv/bin/dsop-sandbox export --scenario default --out fixtures/default      (or: make fixtures)
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

from sandbox import cli
from sandbox.background import BackgroundServer
from sandbox.client import ClientConfig, DsopClient
from sandbox.export import ExportError, build_corpus, write_corpus

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "default"
REGENERATE = "regenerate with `.venv/bin/dsop-sandbox export --scenario default --out fixtures/default` " \
             "(make fixtures) and review the diff"


@pytest.fixture(scope="module")
def corpus():
    return build_corpus("default")


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
    assert len(manifest["parties"]) == 22 and not manifest["crowd"]


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
    with BackgroundServer("default", audit=False) as server:
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


def test_byte_identical_across_runs_and_hash_seeds(tmp_path):
    exe = Path(sys.executable).with_name("dsop-sandbox")
    runs = []
    for seed in ("0", "4242"):
        out = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        runs.append((out, subprocess.Popen([str(exe), "export", "--scenario", "default", "--out", str(out), "--quiet"],
                                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    for out, proc in runs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    trees = [{p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} for out, _ in runs]
    assert trees[0] == trees[1]
    assert trees[0] == _committed(), REGENERATE


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


def test_all_adds_the_crowd(tmp_path):
    scenario = tmp_path / "crowd.yaml"
    text = (ROOT / "scenarios" / "small.yaml").read_text(encoding="utf-8")
    scenario.write_text(text + "\ngenerate:\n  people: {count: 3}\n", encoding="utf-8")
    named, named_manifest = build_corpus(str(scenario))
    files, manifest = build_corpus(str(scenario), everyone=True)
    assert manifest["crowd"] is True and len(manifest["parties"]) == len(named_manifest["parties"]) + 3
    assert set(named) < set(files)
